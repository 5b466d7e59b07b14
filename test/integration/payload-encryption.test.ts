// Chat payloads at rest in Temporal are encrypted (src/infra/payload-codec.ts): a chat's workflow history,
// as Temporal stores and serves it, holds none of the user's text or the model's answer in clear, while the
// API shows both. The codec endpoint (POST /temporal/codec/decode|encode) decodes for admins only, names an
// unknown key in a 400, and keys rotate: after the key changes, a session written with the old key goes on.
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { startApiServer, type ApiServer } from '../../src/server';
import { startWorker, type RunningWorker } from '../../src/worker';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA, parsePayloadKey } from '../../src/infra/payload-codec';
import { workflowIdForSession } from '../../src/shared/chat';
import { stateQuery } from '../../src/workflows/definitions';
import { seedUser, type TestUser } from '../helpers/api';
import { ChatEnv, postStream, readNdjson, responseText, startChatEnv } from '../helpers/chat-env';
import { tokensOf } from '../helpers/fake-llm';

jest.setTimeout(90_000);

const OLD_KEY = `old-${randomBytes(2).toString('hex')}:${randomBytes(32).toString('base64')}`;
const NEW_KEY = `new-${randomBytes(2).toString('hex')}:${randomBytes(32).toString('base64')}`;
const OLD_ID = parsePayloadKey(OLD_KEY).id;
const NEW_ID = parsePayloadKey(NEW_KEY).id;

let env: ChatEnv;
let user: TestUser;
beforeAll(async () => {
  env = await startChatEnv('payload-enc', { COCO_PAYLOAD_KEY: OLD_KEY });
  user = await seedUser(env.api, 'codec-user');
}, 60_000);
afterAll(() => env.close());

const str = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

/** Every Uint8Array and string anywhere in the history (payload data and metadata, failures, names). */
function rawParts(node: unknown, out: Buffer[] = []): Buffer[] {
  if (node instanceof Uint8Array) out.push(Buffer.from(node));
  else if (typeof node === 'string') out.push(Buffer.from(node, 'utf8'));
  else if (node && typeof node === 'object') for (const v of Object.values(node)) rawParts(v, out);
  return out;
}

/**
 * Every payload of the history but search attributes' (Temporal indexes those, so no codec may encode
 * them: they are the session's and the assistant's ids, checked below).
 */
function payloadsOf(node: unknown, out: Payload[] = []): Payload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  const p = node as Payload;
  if (p.metadata && typeof p.metadata === 'object' && p.data instanceof Uint8Array) out.push(p);
  else for (const [k, v] of Object.entries(node)) if (k !== 'searchAttributes') payloadsOf(v, out);
  return out;
}

const encryptedOf = (payloads: Payload[]) => payloads.filter((p) => str(p.metadata!.encoding) === ENCRYPTED_ENCODING);

/** The search attributes' values, as the history has them (in clear). */
function searchAttributesOf(node: unknown, out: string[] = []): string[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  for (const [k, v] of Object.entries(node)) {
    if (k === 'searchAttributes') out.push(...Object.values((v as { indexedFields?: Record<string, Payload> })?.indexedFields ?? {}).map((p) => str(p.data)));
    else searchAttributesOf(v, out);
  }
  return out;
}

const asJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const historyOf = (sessionId: string) => env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory();

/** Waits until the session's workflow has the turn done (title and summary follow-ups included). */
async function settled(client: ApiServer['deps']['temporal']['client'], sessionId: string, turns: number) {
  for (let i = 0; i < 200; i++) {
    const state = await client.workflow.getHandle(workflowIdForSession(sessionId)).query(stateQuery);
    if (state.turnsDone >= turns && state.status === 'idle') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`session ${sessionId} did not settle after ${turns} turns`);
}

let sessionId: string;
const question = `What did the board decide about project ${randomBytes(4).toString('hex')}?`;
const answer = `The board approved budget line ${randomBytes(4).toString('hex')} unanimously.`;

it('a chat history in Temporal holds no chat text in clear, while the API shows it', async () => {
  env.llm.queue.push({ tokens: tokensOf(answer) });
  const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: question }));
  sessionId = lines[0]._id;
  expect(responseText(lines.slice(1))).toBe(answer);
  await settled(env.api.server.deps.temporal.client, sessionId, 1);

  const history = await historyOf(sessionId);
  const parts = rawParts(history);
  // Words of either text, in any part of the stored history (and as JSON would escape them).
  for (const needle of [question, answer, question.split(' ').at(-1)!.replace('?', ''), answer.split(' ')[4]!, 'The board approved']) {
    expect(parts.filter((b) => b.includes(Buffer.from(needle, 'utf8')))).toEqual([]);
  }
  const payloads = payloadsOf(history);
  expect(payloads.length).toBeGreaterThan(5);
  // Every payload is encrypted with the configured key's id, but the workflow's patch marker (its version's
  // name: the SDK's core writes it, past any codec).
  const clear = payloads.filter((p) => str(p.metadata!.encoding) !== ENCRYPTED_ENCODING).map((p) => str(p.data));
  expect(clear.filter((d) => !/^\{"id":"session-v\d+","deprecated":(true|false)\}$/.test(d))).toEqual([]);
  expect(new Set(encryptedOf(payloads).map((p) => str(p.metadata![KEY_ID_METADATA])))).toEqual(new Set([OLD_ID]));
  // What stays in clear is the search attributes: the session's and the assistant's ids, the list summary
  // (CocoSummary: the assistant's and the user's names) and the patch; no chat text.
  expect(new Set(searchAttributesOf(history))).toEqual(new Set([JSON.stringify(sessionId), JSON.stringify('default'), JSON.stringify('Coco AI · admin'), '["session-v2"]']));
  // Decrypted, the history does hold them: the test looked in the right place.
  const decoded = await env.api.server.deps.temporal.codec.decode(payloads);
  expect(decoded.some((p) => str(p.data).includes(question))).toBe(true);

  const shown = await env.api.request('GET', `/chat/${sessionId}/_history`);
  expect(shown.body.hits.hits.map((h: any) => h._source.message)).toEqual(expect.arrayContaining([question, answer]));
});

it("keeps failures' messages out of the history in clear too (a model error may quote the chat)", async () => {
  // The model fails once (its error message is recorded as the retried step's last failure), then answers.
  env.llm.queue.push({ status: 500 }, { tokens: tokensOf('Answered after a retry.') });
  const lines = await readNdjson(await postStream(env.api, '/chat/_create', { message: 'a question that meets an error first' }));
  expect(responseText(lines.slice(1))).toBe('Answered after a retry.');
  const failed = lines[0]._id as string;
  await settled(env.api.server.deps.temporal.client, failed, 1);
  const history = await historyOf(failed);
  const failures = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
  // The step failed once: its failure is in the history, encoded ("Encoded failure"), its text encrypted.
  expect(failures).toContain('Encoded failure');
  expect(rawParts(history).filter((b) => b.includes(Buffer.from('scripted failure 500', 'utf8')))).toEqual([]);
});

describe('the codec endpoint', () => {
  const decodeAs = (headers: Record<string, string>, body: unknown) => env.api.anonymous('POST', '/temporal/codec/decode', body, headers);
  let encrypted: Payload;

  beforeAll(async () => {
    const payloads = payloadsOf(await historyOf(sessionId));
    const decoded = await env.api.server.deps.temporal.codec.decode(payloads);
    encrypted = payloads[decoded.findIndex((p) => str(p.data).includes(question))]!;
  });

  it('decodes a payload of the history for an admin, in the codec server protocol', async () => {
    const res = await decodeAs({ Authorization: `Bearer ${env.api.token}`, 'X-Namespace': 'default' }, { payloads: [asJson(encrypted)] });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const [p] = res.body.payloads;
    expect(Buffer.from(p.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(Buffer.from(p.data, 'base64').toString()).toContain(question);
    // Clear payloads (histories from before) come back as they are; encode then decode is the identity.
    const clear = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') };
    const encoded = await env.api.request('POST', '/temporal/codec/encode', { payloads: [clear] });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const back = await env.api.request('POST', '/temporal/codec/decode', { payloads: [clear, encoded.body.payloads[0]] });
    expect(back.body.payloads).toEqual([clear, clear]);
  });

  it('answers a user token 403 and an anonymous caller 401, for decode and encode', async () => {
    for (const path of ['/temporal/codec/decode', '/temporal/codec/encode']) {
      const asUser = await env.api.anonymous('POST', path, { payloads: [asJson(encrypted)] }, user.headers);
      expect(asUser.status).toBe(403);
      expect(asUser.body).toEqual({ status: 403, error: { reason: 'permission [temporal:codec] not allowed' } });
      expect(asUser.text).not.toContain(Buffer.from(question).toString('base64').slice(0, 12));
      const anonymous = await env.api.anonymous('POST', path, { payloads: [asJson(encrypted)] });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({ status: 401, error: { reason: 'invalid login' } });
    }
  });

  it('lets the Temporal UI origin read the answer (CORS, with credentials)', async () => {
    const ui = await decodeAs({ 'X-API-TOKEN': env.api.token, Origin: 'http://127.0.0.1:8233' }, { payloads: [asJson(encrypted)] });
    expect(ui.status).toBe(200);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(ui.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ui.headers.get('vary')).toMatch(/Origin/);
  });

  it('answers an unknown or missing key id, an altered payload and a malformed body with a clear 400, and keeps serving', async () => {
    const foreign = new AesGcmPayloadCodec(parsePayloadKey(`elsewhere:${randomBytes(32).toString('base64')}`)).encrypt({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') });
    const unknown = await env.api.request('POST', '/temporal/codec/decode', { payloads: [asJson(encrypted), asJson(foreign)] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.reason).toBe(`payloads[1]: a payload is encrypted with key "elsewhere", which is not configured (configured: ${OLD_ID}); add it to COCO_PAYLOAD_OLD_KEYS`);

    const noId = asJson(encrypted);
    delete (noId.metadata as Record<string, string>)[KEY_ID_METADATA];
    const missing = await env.api.request('POST', '/temporal/codec/decode', { payloads: [noId] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.reason).toMatch(/^payloads\[0\]: an encrypted payload names no key/);

    const altered = asJson(encrypted);
    const data = Buffer.from(altered.data, 'base64');
    data[20]! ^= 0x40;
    altered.data = data.toString('base64');
    const tampered = await env.api.request('POST', '/temporal/codec/decode', { payloads: [altered] });
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.reason).toMatch(new RegExp(`key "${OLD_ID}" does not decrypt: it was altered`));

    for (const body of [{}, { payloads: 'x' }, { payloads: [{ data: 'not base64!' }] }, { payloads: [{ metadata: { encoding: 5 } }] }, { payloads: Array(1001).fill({}) }]) {
      const res = await env.api.request('POST', '/temporal/codec/decode', body);
      expect(res.status).toBe(400);
      expect(res.body.error.reason).toMatch(/expected \{"payloads"/);
    }
    expect((await env.api.request('GET', '/health')).status).toBe(200);
  });
});

describe('key rotation', () => {
  let rotatedApi: ApiServer;
  let rotatedWorker: RunningWorker;
  afterAll(async () => {
    await rotatedWorker?.shutdown().catch(() => undefined);
    await rotatedApi?.close().catch(() => undefined);
  });

  it('a session written with the old key goes on after the key changed; the old key only decrypts', async () => {
    // The operator rotates: the new key encrypts, the old one is kept to decrypt. API and worker restart with it.
    const base = env.api.server.deps.config;
    const rotated = { ...base, payloads: { ...base.payloads, key: NEW_KEY, oldKeys: [OLD_KEY] } };
    await env.worker.shutdown();
    rotatedWorker = await startWorker(rotated);
    rotatedApi = await startApiServer(rotated);
    const url = `http://127.0.0.1:${rotatedApi.apiPort}`;

    const next = `And what about line ${randomBytes(4).toString('hex')}?`;
    env.llm.queue.push({ tokens: tokensOf('It was postponed.') });
    const res = await fetch(`${url}/chat/${sessionId}/_chat`, { method: 'POST', headers: { 'X-API-TOKEN': env.api.token }, body: JSON.stringify({ message: next }) });
    const lines = await readNdjson(res);
    expect(responseText(lines.slice(1))).toBe('It was postponed.');
    await settled(rotatedApi.deps.temporal.client, sessionId, 2);

    const history = await rotatedApi.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).fetchHistory();
    const ids = encryptedOf(payloadsOf(history)).map((p) => str(p.metadata![KEY_ID_METADATA]));
    // The first turn's payloads keep the old key (the history is never rewritten), the new ones have the new key.
    expect(ids).toContain(OLD_ID);
    expect(ids.at(-1)).toBe(NEW_ID);
    expect(rawParts(history).filter((b) => b.includes(Buffer.from(next)) || b.includes(Buffer.from('postponed')))).toEqual([]);

    // The rotated API's codec endpoint decodes payloads of both keys.
    const both = [...new Set(ids)].map((id) => encryptedOf(payloadsOf(history)).find((p) => str(p.metadata![KEY_ID_METADATA]) === id)!);
    const decoded = await fetch(`${url}/temporal/codec/decode`, { method: 'POST', headers: { 'X-API-TOKEN': env.api.token }, body: JSON.stringify({ payloads: both.map(asJson) }) });
    expect(decoded.status).toBe(200);
    expect(((await decoded.json()) as { payloads: unknown[] }).payloads).toHaveLength(2);

    // A process still on the old key alone cannot read the new payloads: a clear error naming the key, not garbage.
    await expect(env.api.server.deps.temporal.client.workflow.getHandle(workflowIdForSession(sessionId)).query(stateQuery)).rejects.toThrow(
      new RegExp(`key "${NEW_ID}", which is not configured`),
    );
    const old = await env.api.request('POST', '/temporal/codec/decode', { payloads: both.map(asJson) });
    expect(old.status).toBe(400);
    expect(old.body.error.reason).toContain(`key "${NEW_ID}", which is not configured`);
  });
});
