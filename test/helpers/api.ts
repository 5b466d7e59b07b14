// Starts a real API server (real FerretDB, Redis, Temporal) on ephemeral ports, with a known admin token.
import { randomBytes } from 'node:crypto';
import { generateToken, storeToken } from '../../src/domain/auth/tokens';
import type { Logger } from '../../src/infra/logger';
import { ApiServer, startApiServer } from '../../src/server';
import { testConfig } from './stack';

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApi {
  url: string;
  token: string;
  server: ApiServer;
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse<T>>;
  /** Same, without the token. */
  anonymous<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse<T>>;
  close(): Promise<void>;
}

async function send(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<TestResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** `logger`: where the server's log lines go (silent by default). */
export async function startTestApi(label: string, env: Record<string, string | undefined> = {}, logger?: Logger): Promise<TestApi> {
  const token = env.COCO_ADMIN_TOKEN ?? randomBytes(24).toString('hex');
  const config = testConfig(label, { COCO_ADMIN_TOKEN: token, ...env });
  const server = await startApiServer(config, logger);
  const url = `http://127.0.0.1:${server.apiPort}`;
  return {
    url,
    token,
    server,
    request: (method, path, body, headers = {}) => send(url + path, method, body, { 'X-API-TOKEN': token, ...headers }),
    anonymous: (method, path, body, headers = {}) => send(url + path, method, body, headers),
    async close() {
      await server.deps.mongo.connection.dropDatabase().catch(() => undefined);
      await server.close();
    },
  };
}

export interface TestUser {
  id: string;
  username: string;
  token: string;
  headers: Record<string, string>;
}

/**
 * A user stored directly (with a fixed id, so tests can seed data it owns) and an API token of its own.
 * Routes that manage users are tested through the API; this is for tests about something else.
 */
export async function seedUser(api: TestApi, id: string, roles: string[] = ['user']): Promise<TestUser> {
  const { models } = api.server.deps.mongo;
  await models.User.create({ _id: id, username: id, roles });
  const token = generateToken();
  await storeToken(models, token, { id, username: id, roles }, `${id}'s token`);
  return { id, username: id, token, headers: { 'X-API-TOKEN': token } };
}

/** Creates a record through the API (as admin) and gives its id; any non-2xx answer throws with its body. */
export async function createRecord(api: TestApi, path: string, body: unknown): Promise<string> {
  const res = await api.request('POST', path, body);
  if (res.status >= 300) throw new Error(`${path} → ${res.status} ${res.text}`);
  return res.body._id as string;
}
