// Datasources: their records (deleting one deletes its documents), documents indexed into one, which are
// enabled, and the change log workers keep their retrieval index up to date by (infra/doc-changes).
import type { Redis } from '../../infra/redis';
import { DocChanges } from '../../infra/doc-changes';
import type { Models } from '../../models';
import type { Documents } from '../documents/documents';
import type { DocumentInput } from '../documents/schema';
import { changedId, isDuplicateKey, RecordStore } from '../record';
import { DATASOURCE_SEARCH_FIELDS, DatasourceRef, datasourceToStored, datasourceView } from './records';
import type { DatasourceInput } from './schema';

export class Datasources {
  readonly store: RecordStore<DatasourceInput>;
  private readonly changes: DocChanges;

  constructor(
    private readonly models: Models,
    redis: Redis,
    redisPrefix: string,
    private readonly documents: Documents,
  ) {
    this.changes = new DocChanges(redis, redisPrefix);
    this.store = new RecordStore<DatasourceInput>({
      what: 'datasource',
      model: models.Datasource,
      search: DATASOURCE_SEARCH_FIELDS,
      toStored: datasourceToStored,
      view: datasourceView,
      afterDelete: (existing) => documents.deleteOfDatasource(existing._id),
      afterChange: (before, after) => this.touch(changedId(before, after)),
    });
  }

  /**
   * A document of this datasource changed: workers update that one document in their index. Without a
   * document (the datasource itself changed, or was deleted with its documents) they rebuild it.
   */
  async touch(datasourceId: string, docId?: string): Promise<void> {
    if (!datasourceId) return;
    if (docId) await this.changes.record(datasourceId, [docId]);
    else await this.changes.newEpoch(datasourceId);
  }

  /** Enabled datasources among `ids` ("*" = every enabled datasource). */
  async enabled(ids: string[]): Promise<DatasourceRef[]> {
    const filter = ids.includes('*') ? { enabled: { $ne: false } } : { _id: { $in: ids }, enabled: { $ne: false } };
    const found = (await this.models.Datasource.find(filter).lean()) as Array<{ _id: string; name?: string; description?: string }>;
    return found.map((d) => ({ id: d._id, name: d.name ?? '', description: d.description ?? '' }));
  }

  /** Indexes a document into the datasource: the source is stamped from it; an existing `docId` is replaced. */
  async indexDocument(datasourceId: string, input: DocumentInput, docId?: string): Promise<{ id: string; result: 'created' | 'updated' }> {
    const ds = await this.store.load(datasourceId);
    const stamped: DocumentInput = { ...input, source: { id: ds._id, type: ds.type ?? 'connector', name: ds.name ?? '', icon: ds.icon ?? '' } };
    const replaceExisting = async (id: string): Promise<boolean> => {
      const existing = await this.documents.store.find(id);
      if (!existing) return false;
      await this.documents.store.replace(existing, stamped);
      return true;
    };
    if (docId && (await replaceExisting(docId))) return { id: docId, result: 'updated' };
    try {
      const created = await this.documents.store.insert(stamped, docId);
      return { id: created._id, result: 'created' };
    } catch (err) {
      // A concurrent request created the same doc_id between our lookup and insert: this one replaces it.
      if (docId && isDuplicateKey(err) && (await replaceExisting(docId))) return { id: docId, result: 'updated' };
      throw err;
    }
  }
}
