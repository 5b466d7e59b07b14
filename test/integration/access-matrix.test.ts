// Every route × every kind of caller, generated from the API's own route table, so a new route cannot be
// forgotten: each route must declare who may call it (its first middleware is a `can(...)`), anonymous
// callers get 401 on anything not public, and a signed-in caller gets 403 "permission [..] not allowed"
// exactly when its roles do not grant the route's permission (before its body is even validated).
import Router from '@koa/router';
import { can, routeTable, type RouteEntry } from '../../src/api/middleware/access';
import { allows, type Permission } from '../../src/domain/access';
import { seedUser, startTestApi, TestApi } from '../helpers/api';

let api: TestApi;
const callers: Record<string, { headers: Record<string, string>; roles: string[] }> = {};

beforeAll(async () => {
  api = await startTestApi('access-matrix', { COCO_ADMIN_PASSWORD: 'admin-password-123' });
  callers.admin = { headers: { 'X-API-TOKEN': api.token }, roles: ['admin'] };
  callers.user = { headers: (await seedUser(api, 'matrix-user')).headers, roles: ['user'] };
  // A widget token as an integration issues it (its integration allows the default assistant).
  const created = await api.request('POST', '/integration/', { name: 'matrix widget', enabled_module: { ai_chat: { assistants: ['default'] } } });
  const integration = await api.request('GET', `/integration/${created.body._id}`);
  callers.widget = { headers: { 'X-API-TOKEN': integration.body._source.token }, roles: ['widget'] };
}, 60_000);
afterAll(() => api.close());

/** A path with every parameter filled by an id that exists nowhere. */
const concrete = (path: string) => path.replace(/:[a-z_]+/g, 'no-such-id-0000000000');

describe('the route table', () => {
  it('has every route declare who may call it', () => {
    const routes = api.server.routes;
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('notices a route that declares nothing', () => {
    const router = new Router().get('/declared', can('chat'), () => undefined).get('/forgotten', () => undefined);
    expect(routeTable([router as never]).map((r: RouteEntry) => [r.path, r.access])).toEqual([
      ['/declared', 'chat'],
      ['/forgotten', undefined],
    ]);
  });
});

describe('every route × caller', () => {
  it('answers anonymous callers 401 unless the route is public', async () => {
    const wrong: string[] = [];
    for (const r of api.server.routes) {
      const res = await api.anonymous(r.method, concrete(r.path));
      const ok = r.access === 'public' ? res.status !== 401 && res.status !== 403 : res.status === 401 && res.body?.error?.reason === 'invalid login';
      if (!ok) wrong.push(`${r.method} ${r.path} (${String(r.access)}) → ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(['admin', 'user', 'widget'])('answers a %s exactly what its roles allow', async (who) => {
    const caller = callers[who]!;
    const wrong: string[] = [];
    let allowed = 0;
    let refused = 0;
    for (const r of api.server.routes) {
      const res = await api.anonymous(r.method, concrete(r.path), undefined, caller.headers);
      const permitted = r.access === 'public' || r.access === 'signed-in' || allows(caller.roles, r.access as Permission);
      if (permitted) {
        allowed++;
        if (res.status === 401 || res.status === 403 || res.status >= 500) wrong.push(`${r.method} ${r.path} (${String(r.access)}) → ${res.status} ${res.text}`);
      } else {
        refused++;
        if (res.status !== 403 || res.body?.error?.reason !== `permission [${String(r.access)}] not allowed`) wrong.push(`${r.method} ${r.path} (${String(r.access)}) → ${res.status} ${res.text}`);
      }
    }
    expect(wrong).toEqual([]);
    // Each role is allowed some routes and (but for the admin) refused some.
    expect(allowed).toBeGreaterThan(who === 'widget' ? 10 : 20);
    if (who === 'admin') expect(refused).toBe(0);
    else expect(refused).toBeGreaterThan(who === 'user' ? 20 : 40);
  });
});
