// HTTP to one API instance of the chaos stack, with the admin token. NDJSON replies are read as they
// arrive, each line stamped with its arrival time, so a test can measure how long a reply stalled.

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  text: string;
}

export interface TimedLine {
  /** Date.now() when the line arrived. */
  at: number;
  value: any;
}

export interface NdjsonStream {
  status: number;
  /** The lines received so far, in order. */
  lines: TimedLine[];
  /** Every line once the response ended; rejects when the connection broke (`lines` keeps what came). */
  done: Promise<TimedLine[]>;
  /** The first line, received or still to come, that matches; rejects if the response ends first. */
  waitFor(match: (value: any) => boolean, timeoutMs?: number): Promise<TimedLine>;
  abort(): void;
}

export async function requestJson<T = any>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: { 'X-API-TOKEN': token, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

export function postNdjson(baseUrl: string, token: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<NdjsonStream> {
  return streamNdjson(baseUrl, token, 'POST', path, body, headers);
}

/** Resolves once the response headers arrived; the lines then come in through `lines`, `waitFor` and `done`. */
export async function streamNdjson(baseUrl: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<NdjsonStream> {
  const controller = new AbortController();
  const res = await fetch(baseUrl + path, {
    method,
    headers: { 'X-API-TOKEN': token, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: controller.signal,
  });
  const lines: TimedLine[] = [];
  const listeners = new Set<() => void>();
  let ended = false;
  const notify = () => listeners.forEach((l) => l());
  const push = (text: string) => {
    if (text.trim() === '') return;
    lines.push({ at: Date.now(), value: JSON.parse(text) });
    notify();
  };

  const done = (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          push(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      }
      push(buffered); // an error body has no closing newline
      return lines;
    } finally {
      ended = true;
      notify();
    }
  })();
  done.catch(() => undefined); // a test that only reads `lines` need not handle a broken stream

  return {
    status: res.status,
    lines,
    done,
    abort: () => controller.abort(),
    waitFor(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < lines.length; seen++) {
            if (match(lines[seen]!.value)) return finish(() => resolve(lines[seen]!));
          }
          if (ended) finish(() => reject(new Error(`the response ended without a matching line (${lines.length} lines)`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no matching line within ${timeoutMs} ms (${lines.length} lines)`))), timeoutMs);
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
}
