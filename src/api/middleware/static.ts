// The admin UI (web/, built into web/dist by `npm ci` → `prepare` → vite build), served by the API
// process: GET / → index.html (never cached), GET /assets/* → hashed bundles (cached for a year),
// plus the favicon. The UI uses a hash router, so no other path is needed. Files are sent by @koa/send,
// which resolves paths under the root and refuses traversal.
import fs from 'node:fs';
import path from 'node:path';
import type { Next } from 'koa';
import { send } from '@koa/send';
import { HttpError } from '../errors';
import type { AppContext } from '../context';

export const WEB_DIST = path.resolve(__dirname, '..', '..', '..', 'web', 'dist');

const FAVICONS = new Set(['/favicon.svg', '/favicon.ico']);
const YEAR_MS = 365 * 24 * 3600 * 1000;

/** The paths the UI owns; they are public (the UI signs in with a token itself). */
export function isUiPath(method: string, urlPath: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return urlPath === '/' || urlPath === '/index.html' || urlPath.startsWith('/assets/') || FAVICONS.has(urlPath);
}

export class UiNotBuiltError extends HttpError {
  constructor() {
    super(503, 'the admin UI is not built: run `npm ci` (or `npm run build:web`) to build web/dist');
  }
}

export function staticUi(root: string = WEB_DIST) {
  return async (ctx: AppContext, next: Next) => {
    if (!isUiPath(ctx.method, ctx.path)) return next();
    if (ctx.path === '/' || ctx.path === '/index.html') {
      if (!fs.existsSync(path.join(root, 'index.html'))) throw new UiNotBuiltError();
      await send(ctx, 'index.html', { root, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') });
      return;
    }
    try {
      const sent = await send(ctx, ctx.path, {
        root,
        index: false,
        hidden: false,
        // Vite names every asset by its content hash: a file under /assets/ never changes.
        ...(ctx.path.startsWith('/assets/') ? { maxage: YEAR_MS, immutable: true } : { maxage: 24 * 3600 * 1000 }),
      });
      if (sent) return;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status !== 404 && status !== 400 && status !== 403) throw err;
    }
    return next(); // not a file: the 404 envelope
  };
}
