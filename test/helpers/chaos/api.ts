// An API process of the chaos stack, with a client bound to its ports and the admin token.
import { connectWs, WsClient } from '../chat-env';
import { JsonResponse, NdjsonStream, postNdjson, requestJson, streamNdjson } from './client';
import { Service, ServiceSpec } from './service';

export class ApiService extends Service {
  readonly url: string;
  readonly wsUrl: string;

  constructor(
    spec: Omit<ServiceSpec, 'ready'>,
    readonly port: number,
    readonly wsPort: number,
    private readonly token: string,
  ) {
    const url = `http://127.0.0.1:${port}`;
    super({ ...spec, ready: () => healthy(url) });
    this.url = url;
    this.wsUrl = `ws://127.0.0.1:${wsPort}/ws`;
  }

  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return requestJson<T>(this.url, this.token, method, path, body, headers);
  }

  postNdjson(path: string, body: unknown, headers?: Record<string, string>): Promise<NdjsonStream> {
    return postNdjson(this.url, this.token, path, body, headers);
  }

  /** A streamed GET, such as resuming a reply with `_stream`. */
  getNdjson(path: string, headers?: Record<string, string>): Promise<NdjsonStream> {
    return streamNdjson(this.url, this.token, 'GET', path, undefined, headers);
  }

  /** On the WebSocket port (the API port serves /ws too). */
  connectWs(): Promise<WsClient> {
    return connectWs(this.wsUrl, this.token);
  }
}

/** GET /health answers 200 only when MongoDB, Redis and Temporal all answer the API. */
async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
