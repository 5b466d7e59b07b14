// Unified search (GET|POST /query/_search, coco-api.md §7.2): one box over the documents of every enabled
// datasource the user may search (and the assistants Coco adds to them), best first, with the answer's
// terms aggregations as facets. The query and the chosen facets live in the address (#/search?query=…),
// so Back, Reload and a shared link show the same search. A facet narrows the query as the route reads
// it: category → `category=`, datasource → `datasource=`, language and type → `filter=lang:…`/`filter=type:…`.
import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { Alert, Card, Empty, Input, Pagination, Space, Spin, Tag, Typography } from 'antd';
import { CloseOutlined, LinkOutlined, RobotOutlined } from '@ant-design/icons';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api, ApiError, errorText } from '../api';
import { AssistantIcon } from '../components';

interface HitSource {
  id?: string;
  title?: string;
  summary?: string;
  url?: string;
  icon?: string;
  category?: string;
  lang?: string;
  type?: string;
  source?: { id?: string; name?: string; type?: string; icon?: string };
  updated?: string;
}

interface Hit {
  _id: string;
  _score: number;
  _source: HitSource;
}

interface Bucket {
  key: string;
  doc_count: number;
  top?: { hits: { hits: Array<{ _source?: HitSource }> } };
}

interface SearchAnswer {
  took: number;
  hits: { total: { value: number }; max_score: number | null; hits: Hit[] };
  aggregations?: Record<string, { buckets: Bucket[] }>;
}

/** The facets: the aggregation's name (also the address parameter) and how it narrows the query. */
const FACETS = [
  { name: 'category', title: 'Category' },
  { name: 'source.id', title: 'Datasource' },
  { name: 'type', title: 'Type' },
  { name: 'lang', title: 'Language' },
] as const;
type FacetName = (typeof FACETS)[number]['name'];

const AGGS = {
  category: { terms: { field: 'category', size: 20 } },
  lang: { terms: { field: 'lang', size: 20 } },
  type: { terms: { field: 'type', size: 20 } },
  'source.id': { terms: { field: 'source.id', size: 20 }, aggs: { top: { top_hits: { size: 1 } } } },
};

export const ASSISTANT_TYPE = 'AI Assistant';
const ASSISTANT_URL = /^coco:\/\/extenstions\/infinilabs\/ask_assistant\/(.+)$/;
const PAGE_SIZE = 20;
/** The route refuses from + size above 10 000. */
const MAX_WINDOW = 10_000;

/** The facet's address parameter: `datasource` for the datasource facet, its own name otherwise. */
const paramOf = (f: FacetName) => (f === 'source.id' ? 'datasource' : f);

/** The /query/_search query string for the address's search. */
export function searchQueryString(params: URLSearchParams): string {
  const qs = new URLSearchParams();
  qs.set('query', params.get('query') ?? '');
  const page = Math.max(1, Number(params.get('page')) || 1);
  qs.set('from', String((page - 1) * PAGE_SIZE));
  qs.set('size', String(PAGE_SIZE));
  const category = params.get('category');
  if (category) qs.set('category', category);
  const datasource = params.get('datasource');
  if (datasource) qs.set('datasource', datasource);
  for (const f of ['lang', 'type'] as const) {
    const v = params.get(f);
    if (v) qs.append('filter', `${f}:${v}`);
  }
  return qs.toString();
}

const isHttp = (url?: string) => !!url && /^https?:\/\//i.test(url);

export function Search() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = params.get('query') ?? '';
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [text, setText] = useState(query);
  const [answer, setAnswer] = useState<SearchAnswer | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<{ status?: number; reason: string } | null>(null);
  /** Datasource names seen in earlier answers, for a chosen datasource whose bucket is no longer listed. */
  const [sourceNames, setSourceNames] = useState<Record<string, string>>({});
  /** Bumped by the search button: the same search again asks again. */
  const [again, setAgain] = useState(0);

  useEffect(() => setText(query), [query]);

  const qs = searchQueryString(params);
  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    api
      .post<SearchAnswer>(`/query/_search?${qs}`, { aggs: AGGS }, { signal: ctrl.signal })
      .then((res) => {
        setAnswer(res);
        const names: Record<string, string> = {};
        for (const b of res.aggregations?.['source.id']?.buckets ?? []) {
          const name = b.top?.hits.hits[0]?._source?.source?.name;
          if (name) names[b.key] = name;
        }
        for (const h of res.hits.hits) if (h._source.source?.id && h._source.source.name) names[h._source.source.id] = h._source.source.name;
        setSourceNames((cur) => ({ ...cur, ...names }));
      })
      .catch((err: unknown) => {
        if (ctrl.signal.aborted) return;
        setAnswer(null);
        setError({ status: err instanceof ApiError ? err.status : undefined, reason: errorText(err) });
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [qs, again]);

  /** Changes the address's search: `undefined` removes a parameter; any change but the page starts at page 1. */
  const update = useCallback(
    (changes: Record<string, string | undefined>) => {
      setParams((cur) => {
        const next = new URLSearchParams(cur);
        for (const [k, v] of Object.entries(changes)) {
          if (v === undefined || v === '') next.delete(k);
          else next.set(k, v);
        }
        if (!('page' in changes)) next.delete('page');
        return next;
      });
    },
    [setParams],
  );

  const chosen = (f: FacetName) => params.get(paramOf(f)) ?? '';
  const facetLabel = (f: FacetName, key: string) => (f === 'source.id' ? (sourceNames[key] ?? key) : key);
  const activeFacets = FACETS.filter((f) => chosen(f.name));

  const openHit = (h: Hit) => {
    const assistant = h._source.type === ASSISTANT_TYPE ? ASSISTANT_URL.exec(h._source.url ?? '')?.[1] : undefined;
    if (assistant) {
      localStorage.setItem('coco.playground.assistant', assistant);
      navigate('/playground');
    }
  };

  const total = answer?.hits.total.value ?? 0;

  return (
    <div className="search-page" data-testid="search-page">
      <div className="toolbar">
        <Input.Search
          className="grow search-box"
          placeholder="Search documents and assistants"
          allowClear
          enterButton
          value={text}
          onChange={(e) => setText(e.target.value)}
          onSearch={(v) => {
            update({ query: v.trim() || undefined });
            setAgain((n) => n + 1);
          }}
          loading={loading}
          data-testid="search-input"
        />
      </div>
      {activeFacets.length > 0 && (
        <div className="search-active" data-testid="active-facets">
          {activeFacets.map((f) => (
            <Tag key={f.name} closable color="blue" onClose={() => update({ [paramOf(f.name)]: undefined })} data-testid={`active-facet-${f.name}`}>
              {f.title}: {facetLabel(f.name, chosen(f.name))}
            </Tag>
          ))}
          <Typography.Link onClick={() => update(Object.fromEntries(activeFacets.map((f) => [paramOf(f.name), undefined])))} data-testid="clear-facets">
            Clear all
          </Typography.Link>
        </div>
      )}
      {error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="search-error"
          message={error.status === 503 ? 'Search is unavailable: no search worker answered' : `Search failed${error.status ? ` (${error.status})` : ''}`}
          description={error.reason}
        />
      )}
      <div className="search-layout">
        <div className="search-facets" data-testid="facets">
          {FACETS.map((f) => {
            const buckets = answer?.aggregations?.[f.name]?.buckets ?? [];
            const current = chosen(f.name);
            if (buckets.length === 0 && !current) return null;
            return (
              <Card key={f.name} size="small" title={f.title} className="facet" data-testid={`facet-${f.name}`}>
                {buckets.map((b) => {
                  const selected = b.key === current;
                  return (
                    <div
                      key={b.key}
                      className={`facet-bucket${selected ? ' selected' : ''}`}
                      role="button"
                      tabIndex={0}
                      aria-pressed={selected}
                      data-testid="facet-bucket"
                      data-key={b.key}
                      onClick={() => update({ [paramOf(f.name)]: selected ? undefined : b.key })}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          update({ [paramOf(f.name)]: selected ? undefined : b.key });
                        }
                      }}
                    >
                      <span className="facet-key">{facetLabel(f.name, b.key)}</span>
                      {selected ? <CloseOutlined className="facet-clear" /> : <span className="facet-count">{b.doc_count}</span>}
                    </div>
                  );
                })}
                {current && !buckets.some((b) => b.key === current) && (
                  <div className="facet-bucket selected" role="button" tabIndex={0} aria-pressed data-testid="facet-bucket" data-key={current} onClick={() => update({ [paramOf(f.name)]: undefined })}>
                    <span className="facet-key">{facetLabel(f.name, current)}</span>
                    <CloseOutlined className="facet-clear" />
                  </div>
                )}
              </Card>
            );
          })}
        </div>
        <div className="search-results">
          {answer && (
            <Typography.Text type="secondary" className="search-stats" data-testid="search-stats">
              {total} result{total === 1 ? '' : 's'} · {answer.took} ms
            </Typography.Text>
          )}
          <Spin spinning={loading}>
            <div data-testid="results">
              {answer && answer.hits.hits.length === 0 && <Empty description={query ? `Nothing found for “${query}”` : 'Nothing to show'} />}
              {answer?.hits.hits.map((h) => (
                <ResultItem key={`${h._source.type === ASSISTANT_TYPE ? 'a' : 'd'}-${h._id}`} hit={h} onOpen={() => openHit(h)} onSource={(id) => update({ datasource: id })} />
              ))}
            </div>
          </Spin>
          {total > PAGE_SIZE && (
            <Pagination
              style={{ marginTop: 16 }}
              current={page}
              pageSize={PAGE_SIZE}
              total={Math.min(total, MAX_WINDOW)}
              showSizeChanger={false}
              onChange={(p) => update({ page: p === 1 ? undefined : String(p) })}
              data-testid="search-pagination"
            />
          )}
        </div>
      </div>
    </div>
  );
}

function ResultItem({ hit, onOpen, onSource }: { hit: Hit; onOpen: () => void; onSource: (id: string) => void }) {
  const s = hit._source;
  const assistant = s.type === ASSISTANT_TYPE;
  const title = s.title || s.url || hit._id;
  let heading: ReactNode = title;
  if (assistant) heading = <Typography.Link onClick={onOpen}>{title}</Typography.Link>;
  else if (isHttp(s.url)) {
    heading = (
      <a href={s.url} target="_blank" rel="noreferrer">
        {title}
      </a>
    );
  }
  return (
    <div className="search-hit" data-testid="search-hit" data-id={hit._id} data-type={assistant ? 'assistant' : 'document'}>
      <div className="search-hit-title">
        {assistant && <AssistantIcon icon={s.icon} />}
        <Typography.Text strong data-testid="hit-title">
          {heading}
        </Typography.Text>
      </div>
      {s.summary && (
        <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} className="search-hit-summary" data-testid="hit-summary">
          {s.summary}
        </Typography.Paragraph>
      )}
      <Space size={[6, 4]} wrap className="search-hit-meta">
        {assistant ? (
          <Tag icon={<RobotOutlined />} color="purple">
            Assistant
          </Tag>
        ) : (
          s.source?.name && (
            <Tag color="geekblue" style={{ cursor: s.source.id ? 'pointer' : undefined }} onClick={() => s.source?.id && onSource(s.source.id)} data-testid="hit-source">
              {s.source.name}
            </Tag>
          )
        )}
        {s.category && <Tag data-testid="hit-category">{s.category}</Tag>}
        {!assistant && s.type && <Tag>{s.type}</Tag>}
        {s.lang && <Tag>{s.lang}</Tag>}
        <Typography.Text type="secondary" className="search-hit-score" data-testid="hit-score">
          score {hit._score.toFixed(2)}
        </Typography.Text>
        {s.url && !assistant && (
          <Typography.Text type="secondary" className="search-hit-url" ellipsis>
            <LinkOutlined /> {isHttp(s.url) ? <a href={s.url} target="_blank" rel="noreferrer">{s.url}</a> : s.url}
          </Typography.Text>
        )}
        {s.updated && <Typography.Text type="secondary">{String(s.updated).slice(0, 10)}</Typography.Text>}
      </Space>
    </div>
  );
}
