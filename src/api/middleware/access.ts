// Who may call a route, declared as the route's first middleware: `can('public')`, `can('signed-in')` or
// `can(<permission>)` (src/domain/access.ts has what each role is granted). Authentication runs once for
// every request before the body is read (`authenticate`): a route that is not public needs a valid token
// (401 "invalid login"), then its permission (403 "permission [..] not allowed"). The route table test
// (test/integration/access-matrix.test.ts) fails for any route whose first middleware is not a `can`.
import type Router from '@koa/router';
import type { Next } from 'koa';
import { allows, type Permission } from '../../domain/access';
import type { Credentials } from '../../domain/auth/credentials';
import type { AppContext, AppContextExt, AppMiddleware, AppState } from '../context';
import { OriginNotAllowedError, PermissionDeniedError, UnauthorizedError } from '../errors';
import { CODEC_PATH } from './cors';

export type Access = Permission | 'public' | 'signed-in';

const ACCESS = Symbol('access');
type Declared = AppMiddleware & { [ACCESS]: Access };

/** Declares who may call the route (and checks it). */
export function can(access: Access): Declared {
  const check: AppMiddleware = async (ctx, next) => {
    if (access === 'public') return next();
    const user = ctx.state.user;
    if (!user) throw new UnauthorizedError();
    if (access !== 'signed-in' && !allows(user.roles, access)) throw new PermissionDeniedError(access);
    return next();
  };
  return Object.assign(check, { [ACCESS]: access });
}

export function accessOf(middleware: unknown): Access | undefined {
  return (middleware as Partial<Declared> | undefined)?.[ACCESS];
}

type AnyRouter = Router<AppState, AppContextExt>;

export interface RouteEntry {
  method: string;
  path: string;
  /** undefined: the route declares no access (a bug the route table test catches). */
  access: Access | undefined;
}

/** Every route of the routers with what it declares (HEAD is implied by GET and left out). */
export function routeTable(routers: AnyRouter[]): RouteEntry[] {
  return routers.flatMap((r) =>
    r.stack
      .filter((layer) => layer.methods.length > 0)
      .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, path: String(layer.path), access: accessOf(layer.stack[0]) }))),
  );
}

/** Whether a request goes to a public route (decided before routing, so anonymous callers get 401 first). */
export function publicRouteMatcher(routers: AnyRouter[]): (method: string, path: string) => boolean {
  return (method, path) => routers.some((r) => r.match(path, method).pathAndMethod.some((layer) => layer.methods.length > 0 && accessOf(layer.stack[0]) === 'public'));
}

/** The token a request carries: X-API-TOKEN, or Authorization: Bearer. */
export function tokenFromHeaders(get: (name: string) => string): string | undefined {
  const apiToken = get('X-API-TOKEN').trim();
  if (apiToken) return apiToken;
  const auth = get('Authorization').trim();
  const m = auth.match(/^Bearer\s+(.+)$/i);
  return m ? (m[1] as string).trim() : undefined;
}

/**
 * The login cookie, read only on the codec endpoint (the Temporal UI can send cookies, not tokens): a
 * cookie rides along with every request, so no other route may take it as a credential (CSRF).
 */
export const LOGIN_COOKIE = 'coco_codec_session';
function loginCookie(ctx: AppContext): string | undefined {
  return ctx.path.startsWith(CODEC_PATH) ? ctx.cookies.get(LOGIN_COOKIE) || undefined : undefined;
}

/**
 * Finds who the request acts for. Every route but the public ones needs a valid token, else 401 "invalid
 * login"; a public route gets the user too when a valid token comes with it. It runs before the body is
 * read, so anonymous callers learn nothing about routes or payloads.
 */
export function authenticate(credentials: Credentials, isPublic: (ctx: AppContext) => boolean) {
  return async (ctx: AppContext, next: Next) => {
    const token = tokenFromHeaders((h) => ctx.get(h)) ?? loginCookie(ctx);
    const user = token ? await credentials.resolve(token) : undefined;
    if (user) ctx.state.user = user;
    else if (!isPublic(ctx)) throw new UnauthorizedError();
    return next();
  };
}

/**
 * An integration's widget token is answered only from the integration's allowed origins: from anywhere
 * else the request is refused (403) without CORS headers, so the browser hides even that. Requests without
 * an Origin (not from a browser page) are not limited by it.
 */
export function integrationOrigins() {
  return async (ctx: AppContext, next: Next) => {
    const limits = ctx.state.user?.integration;
    const origin = ctx.get('Origin');
    if (limits && origin && !limits.origins.includes(origin)) {
      // Answered here, not thrown: a thrown error would get the CORS headers back on its way out.
      for (const h of ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials', 'Access-Control-Expose-Headers']) ctx.remove(h);
      const refused = new OriginNotAllowedError(origin);
      ctx.status = refused.status;
      ctx.body = { status: refused.status, error: { reason: refused.reason } };
      return;
    }
    // An allowed page is answered by name, not by the wildcard.
    if (limits && origin) ctx.set('Access-Control-Allow-Origin', origin);
    return next();
  };
}
