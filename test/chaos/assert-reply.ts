// What every chaos scenario checks of the reply it disturbed: it ended as it should, the client got the
// model's answer exactly once with a gap-free seq, the saved message is what the client got, the session
// answers its next message, and the client never waited longer than the scenario's bound for a chunk.
// Each scenario's figures are printed as one `[chaos] …` line (they go into a report), even when it fails.
import type { ApiService, TimedLine } from '../helpers/chaos-stack';
import { responseText } from '../helpers/chat-env';
import { type FakeLlm, tokensOf } from '../helpers/fake-llm';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An answer of whole sentences, at least `tokens` long; `topic` keeps the answers of different turns apart. */
export function longAnswer(topic: string, tokens = 150): string {
  const sentences: string[] = [];
  while (tokensOf(sentences.join(' ')).length < tokens) sentences.push(`Sentence ${sentences.length} on ${topic} explains step ${sentences.length}.`);
  return sentences.join(' ');
}

export const isAnswerToken = (v: any) => v.chunk_type === 'response' && v.message_type === 'assistant' && v.message_chunk !== '';

/** Matches from the n-th answer token on (for waitFor, which looks at each line once, in order). */
export function nthToken(n: number): (v: any) => boolean {
  let seen = 0;
  return (v) => isAnswerToken(v) && ++seen >= n;
}

export const answerTokens = (lines: TimedLine[]) => lines.filter((l) => isAnswerToken(l.value)).length;
const noticeText = (chunks: any[]) => chunks.filter((c) => c.chunk_type === 'response' && c.message_type === 'system').map((c) => c.message_chunk).join('');

/** The longest wait between two consecutive chunks at the client. */
export function stallOf(lines: TimedLine[]): number {
  return Math.max(0, ...lines.slice(1).map((l, i) => l.at - lines[i]!.at));
}

let scenarioName: string | undefined;
const figures = new Map<string, string>();

export function scenario(name: string): void {
  scenarioName = name;
  figures.clear();
}

export function note(name: string, value: number | string): void {
  figures.set(name, typeof value === 'number' ? `${Math.round(value)} ms` : value);
}

/** For afterEach: the running scenario's line, stall first. */
export function printFigures(): void {
  if (!scenarioName) return;
  const ordered = [...figures].sort(([a], [b]) => Number(b === 'stall') - Number(a === 'stall'));
  process.stdout.write(`[chaos] ${scenarioName}: ${ordered.map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  scenarioName = undefined;
}

export interface Expected {
  /** The model's whole answer: what the client must have got of it. */
  text: string;
  reason?: 'completed' | 'error' | 'timeout';
  /** A reply that ends in error or timeout says why in a system message. */
  notice?: RegExp;
  stallBoundMs: number;
  /** Under which name the stall is noted ('stall' is the scenario's own figure). */
  stallName?: string;
}

export async function savedReply(api: ApiService, sessionId: string, replyId: string): Promise<any> {
  const history = await api.request('GET', `/chat/${sessionId}/_history?size=100`);
  expect(history.status).toBe(200);
  const hit = history.body.hits.hits.find((h: any) => h._id === replyId);
  if (!hit) throw new Error(`reply ${replyId} is not in the session's history: ${history.text.slice(0, 500)}`);
  return hit._source;
}

/** `lines`: the reply's chunks in arrival order (over one connection or several, joined). */
export async function expectReply(api: ApiService, sessionId: string, lines: TimedLine[], expected: Expected): Promise<void> {
  const stall = stallOf(lines);
  note(expected.stallName ?? 'stall', `${stall} ms (bound ${expected.stallBoundMs})`);
  if (expected.stallName === undefined) note('chunks', String(lines.length));
  const chunks = lines.map((l) => l.value);
  const end = chunks.at(-1);
  expect(end).toMatchObject({ chunk_type: 'reply_end' });
  expect(JSON.parse(end.message_chunk).reason).toBe(expected.reason ?? 'completed');
  expect(responseText(chunks)).toBe(expected.text);
  expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i + 1));
  const notice = noticeText(chunks);
  if (expected.notice) expect(notice).toMatch(expected.notice);
  else expect(notice).toBe('');
  // An ended-in-error reply is saved as the message saying why.
  expect((await savedReply(api, sessionId, end.message_id)).message).toBe(notice || expected.text);
  expect(stall).toBeLessThan(expected.stallBoundMs);
}

interface LineSource {
  lines: TimedLine[];
  waitFor(match: (value: any) => boolean, timeoutMs?: number): Promise<TimedLine>;
  done?: Promise<TimedLine[]>;
}

/**
 * Every line once the reply to `replyTo` (or any reply) sent reply_end, and its connection (if NDJSON)
 * ended; fails saying what came when there was no reply_end.
 */
export async function untilReplyEnd(source: LineSource, timeoutMs: number, replyTo?: string): Promise<TimedLine[]> {
  const mine = (v: any) => replyTo === undefined || v.reply_to_message === replyTo;
  try {
    await source.waitFor((v) => v.chunk_type === 'reply_end' && mine(v), timeoutMs);
  } catch (err) {
    const got = source.lines.filter((l) => mine(l.value));
    throw new Error(`no reply_end: ${(err as Error).message}; ${answerTokens(got)} answer tokens came, the last line: ${JSON.stringify(got.at(-1)?.value)}`);
  }
  // Lines after reply_end would be a fault of their own: give the response a moment to show them.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([source.done?.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
  return source.lines.filter((l) => mine(l.value));
}

/** The reply's chunks after `afterSeq` through `_stream`, read to the end of the response. */
export async function readReply(api: ApiService, sessionId: string, messageId: string, afterSeq = 0, timeoutMs = 30_000): Promise<TimedLine[]> {
  const stream = await api.getNdjson(`/chat/${sessionId}/_stream?message_id=${messageId}&after_seq=${afterSeq}`);
  expect(stream.status).toBe(200);
  const timer = setTimeout(() => stream.abort(), timeoutMs);
  try {
    return await stream.done;
  } catch (err) {
    throw new Error(`_stream did not end within ${timeoutMs} ms (${stream.lines.length} lines: ${JSON.stringify(stream.lines.at(-1)?.value)}): ${err}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends the session's next message (NDJSON) with the model answering normally, and checks that reply like
 * any other. Notes, and gives, how long its first token took from the send and its longest gap.
 */
export async function expectNextMessageAnswered(api: ApiService, llm: FakeLlm, sessionId: string, query = ''): Promise<{ firstTokenMs: number; stallMs: number }> {
  const text = longAnswer('the next question', 30);
  llm.fallback = () => ({ answer: text, convention: 'instruction', delayMs: 10 });
  const sent = Date.now();
  const reply = await api.postNdjson(`/chat/${sessionId}/_chat${query}`, { message: 'And the next question?' });
  expect(reply.status).toBe(200);
  const first = await reply.waitFor(isAnswerToken, 60_000);
  const firstTokenMs = first.at - sent;
  note('next message first token', firstTokenMs);
  const lines = (await untilReplyEnd(reply, 60_000)).slice(1);
  await expectReply(api, sessionId, lines, { text, stallBoundMs: 5000, stallName: 'next message stall' });
  return { firstTokenMs, stallMs: stallOf(lines) };
}
