// What the retrieval engine keeps of documents and what it is asked; shared by the engine and its filters.

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
