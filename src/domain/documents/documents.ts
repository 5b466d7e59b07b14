// Documents: their records (a document names an existing datasource, whose source fields it takes), reads
// by id for the answer's references, and the stream of a datasource's documents the retrieval index reads.
// Every change tells the datasources involved (`touch`, with the document's id): workers update their index.
import type { Models } from '../../models';
import { forEachAtOnce } from '../../shared/concurrency';
import { InvalidInput } from '../errors';
import { RecordStore, Stored } from '../record';
import { DocForReference, DOCUMENT_SEARCH_FIELDS, documentToStored, documentView } from './records';
import type { DocumentInput } from './schema';

/** Called with a datasource id and the document's whenever one of its documents changes. */
export type TouchDatasource = (datasourceId: string, docId: string) => Promise<void>;

/** The documents of a datasource as the driver streams them (only the fields asked for). */
export interface DocumentCursor<T> extends AsyncIterable<T> {
  close(): Promise<void>;
}

/** Lookups by id a change catch-up runs at once. */
const LOOKUPS_AT_ONCE = 8;

export class Documents {
  readonly store: RecordStore<DocumentInput>;

  constructor(
    private readonly models: Models,
    touch: TouchDatasource,
  ) {
    this.store = new RecordStore<DocumentInput>({
      what: 'document',
      model: models.Document,
      search: DOCUMENT_SEARCH_FIELDS,
      toStored: async (input) => {
        // A document that names its datasource must name one that exists; its source fields come from it.
        if (input.source.id) {
          const ds = (await models.Datasource.findById(input.source.id).lean()) as Stored | null;
          if (!ds) throw new InvalidInput(`source.id: datasource [${input.source.id}] does not exist`);
          input = { ...input, source: { id: ds._id, type: ds.type ?? 'connector', name: ds.name ?? '', icon: input.source.icon || ds.icon || '' } };
        }
        return documentToStored(input);
      },
      view: documentView,
      async afterChange(before, after) {
        const ids = new Set([before?.source?.id, (after?.source as { id?: string } | undefined)?.id].filter(Boolean) as string[]);
        const docId = (before?._id ?? after?._id) as string;
        for (const id of ids) await touch(id, docId);
      },
    });
  }

  /** The documents with these ids (missing ones are left out), for citing. */
  async byIds(ids: string[]): Promise<DocForReference[]> {
    return (await this.models.Document.find({ _id: { $in: ids } }).lean()) as DocForReference[];
  }

  /**
   * These documents of a datasource (others, and missing ones, are left out), by the raw driver: only
   * `fields`. One lookup by `_id` each, a few at a time: the embedded store serves `_id` equality from an
   * index, but reads the whole collection for `$in`.
   */
  async someOf<T extends { source?: { id?: string } }>(datasourceId: string, ids: string[], fields: string[]): Promise<T[]> {
    const projection = Object.fromEntries(fields.map((f) => [f, 1]));
    const found: T[] = [];
    await forEachAtOnce(ids, LOOKUPS_AT_ONCE, async (id) => {
      const doc = (await this.models.Document.collection.findOne({ _id: id as never }, { projection })) as T | null;
      if (doc && doc.source?.id === datasourceId) found.push(doc);
    });
    return found;
  }

  /** Every document of a datasource, streamed by the raw driver: only `fields`, no casting. */
  readAll<T>(datasourceId: string, fields: string[], batchSize: number): DocumentCursor<T> {
    const projection = Object.fromEntries(fields.map((f) => [f, 1]));
    return this.models.Document.collection.find({ 'source.id': datasourceId }, { projection, batchSize }) as unknown as DocumentCursor<T>;
  }

  async deleteOfDatasource(datasourceId: string): Promise<void> {
    await this.models.Document.deleteMany({ 'source.id': datasourceId });
  }
}
