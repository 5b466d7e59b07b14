// The API client: every call carries the token (an API token or a password sign-in's JWT) as
// X-API-TOKEN; a 401 signs out (back to sign-in); errors carry the server's `error.reason`.

const TOKEN_KEY = 'coco.token';

export function getToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token: string) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
  for (const l of listeners) l(token);
}

const listeners = new Set<(token: string) => void>();
export function onTokenChange(l: (token: string) => void) {
  listeners.add(l);
  return () => void listeners.delete(l);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly body?: unknown,
  ) {
    super(reason);
  }
}

export function reasonOf(body: unknown, fallback: string): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: { reason?: unknown }; result?: unknown; found?: unknown };
    if (b.error && typeof b.error.reason === 'string') return b.error.reason;
    if (b.result === 'not_found' || b.found === false) return 'not found';
  }
  return fallback;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Do not sign out on 401 (the sign-in check itself). */
  noSignOut?: boolean;
}

export async function request<T = unknown>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  // Signed out (the sign-in calls themselves): no empty token header.
  const token = getToken();
  const headers: Record<string, string> = { ...(token ? { 'X-API-TOKEN': token } : {}), ...opts.headers };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  if (!res.ok) {
    if (res.status === 401 && !opts.noSignOut) setToken('');
    throw new ApiError(res.status, reasonOf(parsed, typeof parsed === 'string' && parsed ? parsed : `${res.status} ${res.statusText}`), parsed);
  }
  return parsed as T;
}

export const api = {
  get: <T = unknown>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T = unknown>(path: string, body: unknown = {}, opts?: RequestOptions) => request<T>('POST', path, body, opts),
  put: <T = unknown>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PUT', path, body, opts),
  del: <T = unknown>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
};

export interface EsResult<T> {
  hits: { total: { value: number }; hits: Array<{ _id: string; _source: T }> };
}

export interface Page<T> {
  total: number;
  items: T[];
}

export async function search<T extends { id?: string }>(resource: string, params: Record<string, string | number | undefined | string[]> = {}): Promise<Page<T>> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) qs.append(k, String(one));
  }
  const res = await api.get<EsResult<T>>(`${resource}/_search?${qs}`);
  return { total: res.hits.total.value, items: res.hits.hits.map((h) => ({ ...h._source, id: h._source.id ?? h._id })) };
}

export interface GetEnvelope<T> {
  _id: string;
  found: boolean;
  _source: T;
}

export const errorText = (err: unknown) => (err instanceof ApiError ? err.reason : err instanceof Error ? err.message : String(err));
