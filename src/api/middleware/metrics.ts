// HTTP responses by route template and status class (coco_http_responses_total). The route is the
// template a router matched (`/chat/:session_id/_send`), never the raw path: ids stay out of labels. A
// request answered before routing (401, a refused origin) is labelled with the route it would have
// reached; anything else that no route matched, `unmatched` (the admin UI's files: `ui`).
import type Router from '@koa/router';
import type { Next } from 'koa';
import { metrics } from '../../infra/metrics';
import type { AppContext, AppContextExt, AppState } from '../context';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

export function httpMetrics(routers: Router<AppState, AppContextExt>[], isUi: (ctx: AppContext) => boolean) {
  const templateOf = (ctx: AppContext): string => {
    const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
    if (matched !== undefined) return String(matched);
    if (isUi(ctx)) return 'ui';
    for (const r of routers) {
      const layer = r.match(ctx.path, ctx.method).pathAndMethod.find((l) => l.methods.length > 0);
      if (layer) return String(layer.path);
    }
    return 'unmatched';
  };
  return async (ctx: AppContext, next: Next) => {
    try {
      await next();
    } finally {
      // Thrown errors are answered by the envelope inside this middleware: ctx.status is final here.
      const klass = CLASSES[Math.floor(ctx.status / 100) - 1] ?? '5xx';
      metrics.httpResponses.inc({ method: ctx.method, route: templateOf(ctx), class: klass });
    }
  };
}
