// The reply pipeline's thinking steps, each its own activity so a crash resumes at the step:
// analyzeIntent → retrieveDocuments → pickDocuments → deepRead (coco-api.md §5.4 steps 3, 5, 6, 7).
import { DEFAULT_INTENT_TEMPLATE, DEFAULT_PICKING_TEMPLATE } from '../shared/prompts';
import type { ChunkType, PickedDoc, QueryIntent, ReplyDetail, SourceRef, Turn, TurnContext } from '../shared/chat';
import { historyText } from '../shared/history';
import { renderTemplate } from '../shared/template';
import { rfc3339 } from '../shared/time';
import { parseIntent, parsePicks } from './parse';
import { ChatActivityDeps, completeWithModel, openPublisher, withHeartbeat } from './support';

/** Coco sliced fetch_source at 512 bytes; we slice at 512 characters, never inside one. */
export const SOURCE_SLICE = 512;
const SIMPLE_SIZE = 10;
const DEEP_SIZE = 50;
const MAX_PICKS = 5;

export function sliceChars(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

export interface Retrieved {
  docs: SourceRef[];
  detail: ReplyDetail;
}

export function sourcesDetail(docs: SourceRef[]): ReplyDetail {
  return {
    order: 20,
    type: 'fetch_source',
    payload: docs.map((d) => ({ id: d.id, title: d.title, updated: d.updated ?? null, category: d.category ?? '', summary: (d.summary ?? '').slice(0, 500), url: d.url ?? '' })),
  };
}

/** The fetch_source chunks: `<Payload total=N>[…]</Payload>`, in slices. */
export async function publishSources(deps: ChatActivityDeps, turn: Turn, docs: SourceRef[]): Promise<void> {
  const list = docs.map((d) => ({ id: d.id, title: d.title, source: d.source ?? {}, icon: d.icon ?? '', url: d.url ?? '' }));
  await publishOnce(deps, turn, 'fetch_source', sliceChars(`<Payload total=${docs.length}>${JSON.stringify(list)}</Payload>`, SOURCE_SLICE));
}

/**
 * Publishes a step's fixed chunks; a retried step sends only those its earlier attempt did not
 * (the chunks are the same each time, so the client sees each once).
 */
async function publishOnce(deps: ChatActivityDeps, turn: Turn, type: ChunkType, texts: string[]): Promise<void> {
  const { publisher, logged } = await openPublisher(deps, turn);
  const already = logged.chunks.filter((c) => c.chunk_type === type).length;
  for (const text of texts.slice(already)) await publisher.send(type, text);
  await publisher.flush();
}

export function createPipelineActivities(deps: ChatActivityDeps) {
  return {
    /** AI overview: the search results the client sent become the reply's sources. */
    async publishGivenSources(turn: Turn): Promise<ReplyDetail> {
      const docs = turn.givenSources ?? [];
      await publishSources(deps, turn, docs);
      return sourcesDetail(docs);
    },

    /** Streams the intent model's output as query_intent chunks; malformed output means "no intent". */
    async analyzeIntent(turn: Turn, ctx: TurnContext): Promise<{ intent: QueryIntent | null; detail: ReplyDetail | null }> {
      const model = ctx.intentModel;
      if (!model) return { intent: null, detail: null };
      // A retried step runs the model again; clients read the last <JSON> block of the step's tokens.
      const { publisher } = await openPublisher(deps, turn);
      const prompt = renderTemplate(model.template || DEFAULT_INTENT_TEMPLATE, {
        query: ctx.query,
        history: historyText(ctx.history, ctx.summary),
        tool_list: '',
        network_sources: ctx.pickDatasource ? ctx.networkSources : '',
      });
      const text = await completeWithModel(deps, model, [{ role: 'user', content: prompt }], (t) => publisher.delta('query_intent', t));
      await publisher.flush();
      const intent = parseIntent(text) ?? null;
      if (!intent) deps.logger.warn({ reply_id: turn.replyId }, 'intent output could not be parsed; going on without it');
      return { intent, detail: intent && { order: 10, type: 'query_intent', description: '', payload: intent } };
    },

    /** BM25 retrieval over the turn's datasources with the user's query and the intent's rephrasings. */
    async retrieveDocuments(turn: Turn, ctx: TurnContext, intent: QueryIntent | null): Promise<Retrieved> {
      const scope = ctx.search;
      if (!scope) return { docs: [], detail: sourcesDetail([]) };
      // Building a large index can take a while: heartbeat meanwhile.
      const found = await withHeartbeat(() =>
        deps.retrieval.search({
          datasourceIds: scope.datasourceIds,
          queries: [ctx.query, ...(intent?.query ?? []), ...(intent?.keyword ?? [])],
          filters: scope.filters,
          size: ctx.deepThink ? DEEP_SIZE : SIMPLE_SIZE,
        }),
      );
      const docs: SourceRef[] = found.map((d) => ({
        id: d.id,
        title: d.title,
        url: d.url,
        icon: d.icon,
        category: d.category,
        summary: d.summary,
        updated: d.updated ? rfc3339(d.updated) : undefined,
        source: d.source,
      }));
      await publishSources(deps, turn, docs);
      return { docs, detail: sourcesDetail(docs) };
    },

    /** The picking model chooses ≤ 5 candidates; only candidate ids count. Unusable output keeps the top 5. */
    async pickDocuments(turn: Turn, ctx: TurnContext, intent: QueryIntent | null, docs: SourceRef[]): Promise<{ picked: PickedDoc[]; detail: ReplyDetail }> {
      const candidates = new Map(docs.map((d) => [d.id, d.title]));
      const { publisher, logged } = await openPublisher(deps, turn);
      // Coco's empty marker, once; a retried step runs the model again (clients read the last <JSON> block).
      if (!logged.chunks.some((c) => c.chunk_type === 'pick_source')) await publisher.send('pick_source', '');
      const list = docs.map((d) => JSON.stringify({ id: d.id, title: d.title, updated: d.updated, category: d.category, summary: d.summary, url: d.url })).join('\n');
      const prompt = renderTemplate(ctx.pickingModel?.template || DEFAULT_PICKING_TEMPLATE, { query: ctx.query, intent: intent ? JSON.stringify(intent) : '', docs: list });
      const text = await completeWithModel(deps, ctx.pickingModel ?? { ...ctx.model }, [{ role: 'user', content: prompt }], (t) => publisher.delta('pick_source', t));
      await publisher.flush();
      let picked = parsePicks(text, candidates, MAX_PICKS);
      if (!picked) {
        deps.logger.warn({ reply_id: turn.replyId }, 'picking output could not be parsed; keeping the best-ranked documents');
        picked = docs.slice(0, MAX_PICKS).map((d) => ({ id: d.id, title: d.title, explain: '' }));
      }
      return { picked, detail: { order: 30, type: 'pick_source', payload: picked } };
    },

    /** One deep_read chunk per picked document; the answer step reads their full content. */
    async deepRead(turn: Turn, picked: PickedDoc[]): Promise<{ detail: ReplyDetail }> {
      const lines = picked.map((p) => `Obtaining and analyzing documents in depth:  ${p.title}\n`);
      await publishOnce(deps, turn, 'deep_read', lines);
      return { detail: { order: 40, type: 'deep_read', description: lines.join('') } };
    },
  };
}
