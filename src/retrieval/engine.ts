// The embedded retrieval engine: a BM25 index (MiniSearch) per datasource, kept per worker and rebuilt
// when the datasource's version in Redis moves (the API bumps it on every document change). Filters
// (datasource.filter, request filters) are compiled like search filters and evaluated with mingo.
import { Query } from 'mingo';
import MiniSearch from 'minisearch';
import type { BusKeys } from '../bus/keys';
import type { Redis } from '../infra/redis';
import type { Models } from '../models';
import { compileQuery } from '../search/es-query';
import { DOCUMENT_SEARCH_FIELDS } from '../api/routes/document/presenter';

/** What the index keeps of a document: enough to filter, rank and cite; content is read from Mongo on deep read. */
export interface IndexedDoc {
  id: string;
  title: string;
  summary: string;
  url: string;
  icon: string;
  type: string;
  category: string;
  subcategory: string;
  categories: string[];
  tags: string[];
  lang: string;
  disabled: boolean;
  source: { id: string; type: string; name: string; icon: string };
  owner: { username?: string; userid?: string } | null;
  rich_categories: Array<{ key?: string; label?: string }>;
  updated: Date;
  created: Date;
}

export interface RetrievedDoc extends IndexedDoc {
  score: number;
}

export interface RetrievalRequest {
  datasourceIds: string[];
  /** Texts to search for (the user's query, the intent's rephrasings and keywords). */
  queries: string[];
  /** ES clauses every document must match (datasource.filter, request filters). */
  filters: unknown[];
  size: number;
}

type StoredDoc = Partial<Omit<IndexedDoc, 'id'>> & { _id: string; content?: string; updated: Date; created: Date };

interface DatasourceIndex {
  version: string;
  search: MiniSearch<IndexedDoc & { content: string }>;
  docs: Map<string, IndexedDoc>;
}

const SEARCH_FIELDS = ['title', 'summary', 'content', 'tagText', 'categoryText'];

function newIndex() {
  return new MiniSearch<IndexedDoc & { content: string }>({
    fields: SEARCH_FIELDS,
    storeFields: [],
    extractField: (doc, field) => {
      const d = doc as unknown as Record<string, unknown>;
      if (field === 'tagText') return ((d.tags as string[]) ?? []).join(' ');
      if (field === 'categoryText') return [d.category, d.subcategory, ...((d.categories as string[]) ?? [])].filter(Boolean).join(' ');
      return d[field] as string;
    },
  });
}

export class RetrievalEngine {
  private readonly indexes = new Map<string, DatasourceIndex>();
  private readonly building = new Map<string, Promise<DatasourceIndex>>();

  constructor(
    private readonly models: Models,
    private readonly redis: Redis,
    private readonly keys: BusKeys,
  ) {}

  /** Ids of enabled datasources among `ids` ("*" = every enabled datasource). */
  async enabledDatasources(ids: string[]): Promise<Array<{ id: string; name: string; description: string }>> {
    const filter = ids.includes('*') ? { enabled: { $ne: false } } : { _id: { $in: ids }, enabled: { $ne: false } };
    const found = (await this.models.Datasource.find(filter).lean()) as Array<{ _id: string; name?: string; description?: string }>;
    return found.map((d) => ({ id: d._id, name: d.name ?? '', description: d.description ?? '' }));
  }

  async search(req: RetrievalRequest): Promise<RetrievedDoc[]> {
    const text = req.queries.map((q) => q.trim()).filter(Boolean).join(' ');
    if (!text || req.datasourceIds.length === 0 || req.size <= 0) return [];
    const compiled = req.filters.filter((f) => f && Object.keys(f as object).length > 0).map((f, i) => compileQuery(f, DOCUMENT_SEARCH_FIELDS, `filter[${i}]`));
    const matcher = compiled.length ? new Query(compiled.length === 1 ? compiled[0]! : { $and: compiled }) : null;
    const hits: RetrievedDoc[] = [];
    for (const index of await Promise.all(req.datasourceIds.map((id) => this.indexFor(id)))) {
      for (const r of index.search.search(text, { prefix: true, fuzzy: 0.1, boost: { title: 3, tagText: 2, summary: 1.5 } })) {
        const doc = index.docs.get(String(r.id));
        if (!doc || doc.disabled) continue;
        if (matcher && !matcher.test({ ...doc, _id: doc.id })) continue;
        hits.push({ ...doc, score: r.score });
      }
    }
    return hits.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, req.size);
  }

  /** The index of one datasource, rebuilt when its version moved. Concurrent callers share one build. */
  private async indexFor(datasourceId: string): Promise<DatasourceIndex> {
    const version = (await this.redis.get(this.keys.datasourceVersion(datasourceId))) ?? 'none';
    const cached = this.indexes.get(datasourceId);
    if (cached && cached.version === version) return cached;
    const key = `${datasourceId}@${version}`;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(datasourceId, version).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    const built = await pending;
    this.indexes.set(datasourceId, built);
    return built;
  }

  private async build(datasourceId: string, version: string): Promise<DatasourceIndex> {
    const search = newIndex();
    const docs = new Map<string, IndexedDoc>();
    const cursor = this.models.Document.find({ 'source.id': datasourceId }).select('-payload_json -metadata_json').lean().cursor();
    const batch: Array<IndexedDoc & { content: string }> = [];
    for await (const raw of cursor as AsyncIterable<StoredDoc>) {
      const doc: IndexedDoc = {
        id: raw._id,
        title: raw.title ?? '',
        summary: (raw.summary ?? '').slice(0, 500),
        url: raw.url ?? '',
        icon: raw.icon ?? '',
        type: raw.type ?? '',
        category: raw.category ?? '',
        subcategory: raw.subcategory ?? '',
        categories: raw.categories ?? [],
        tags: raw.tags ?? [],
        lang: raw.lang ?? '',
        disabled: raw.disabled === true,
        source: raw.source ?? { id: datasourceId, type: '', name: '', icon: '' },
        owner: raw.owner ?? null,
        rich_categories: raw.rich_categories ?? [],
        updated: raw.updated,
        created: raw.created,
      };
      docs.set(doc.id, doc);
      batch.push({ ...doc, content: raw.content ?? '' });
      if (batch.length >= 1000) search.addAll(batch.splice(0));
    }
    search.addAll(batch);
    return { version, search, docs };
  }
}

/** API side: a document of this datasource changed; workers rebuild its index on next use. */
export async function touchDatasource(redis: Redis, keys: BusKeys, datasourceId: string): Promise<void> {
  if (datasourceId) await redis.incr(keys.datasourceVersion(datasourceId));
}
