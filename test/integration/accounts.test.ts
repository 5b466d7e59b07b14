// Accounts end to end on the real stack: password logins (JWTs), the login throttle, logout, password
// changes, admin-managed users, scoped API tokens, and revocation heard by a second API instance (HTTP and
// WebSocket) within a second.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import WebSocket from 'ws';
import { ApiServer, startApiServer } from '../../src/server';
import { startTestApi, TestApi, TestResponse } from '../helpers/api';

const ADMIN_PASSWORD = `admin-pw-${randomBytes(6).toString('hex')}`;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const INVALID = { status: 401, error: { reason: 'invalid username or password' } };

let api: TestApi;
beforeAll(async () => {
  // A Redis prefix of its own: the login throttle's counters are not shared with any other suite.
  api = await startTestApi('accounts', { COCO_ADMIN_PASSWORD: ADMIN_PASSWORD, COCO_REDIS_PREFIX: `test:accounts:${randomBytes(3).toString('hex')}:` });
}, 60_000);
afterAll(() => api.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const as = (token: string) => ({ 'X-API-TOKEN': token });
const login = (username: string, password: string) => api.anonymous('POST', '/account/login', { username, password });
const profile = (token: string) => api.anonymous('GET', '/account/profile', undefined, as(token));

interface Account {
  id: string;
  username: string;
  password: string;
}

/** A user made through the admin API. */
async function createUser(prefix: string, roles: string[] = ['user']): Promise<Account> {
  const username = unique(prefix);
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const res = await api.request('POST', '/user/', { username, password, roles, name: `Name of ${username}`, email: `${username}@example.com` });
  expect(res.status).toBe(200);
  expect(res.body.result).toBe('created');
  return { id: res.body._id, username, password };
}

async function loginToken(account: Pick<Account, 'username' | 'password'>): Promise<string> {
  const res = await login(account.username, account.password);
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

/**
 * A login sent from a chosen loopback address (127.0.0.x): the throttle counts failures per client
 * address, so each throttle test uses an address of its own.
 */
function loginFrom(localAddress: string, username: string, password: string): Promise<TestResponse> {
  const data = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${api.url}/account/login`,
      { method: 'POST', localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, text, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('login', () => {
  it('admin logs in with the password: a JWT that works as X-API-TOKEN and as a Bearer token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.stringMatching(JWT), expire_in: expect.any(Number), id: 'admin', username: 'admin', status: 'ok' });
    // valid for 24 hours
    expect(res.body.expire_in).toBeGreaterThanOrEqual(before + 24 * 3600 - 5);
    expect(res.body.expire_in).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 24 * 3600 + 5);
    const jwt = res.body.access_token as string;
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ sub: 'admin', jti: expect.any(String) });

    const viaHeader = await profile(jwt);
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({ id: 'admin', username: 'admin', roles: ['admin'], status: 'ok' });
    expect(typeof viaHeader.body.name).toBe('string');
    expect(typeof viaHeader.body.email).toBe('string');
    expect(viaHeader.text).not.toContain('password');

    const viaBearer = await api.anonymous('GET', '/account/profile', undefined, { Authorization: `Bearer ${jwt}` });
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.id).toBe('admin');
    // an admin route, too
    expect((await api.anonymous('GET', '/user/_search', undefined, { Authorization: `Bearer ${jwt}` })).status).toBe(200);
    // a JWT with a changed signature is nobody's
    expect((await profile(`${jwt.slice(0, -2)}${jwt.endsWith('AA') ? 'BB' : 'AA'}`)).status).toBe(401);
  });

  it('a wrong password and an unknown user get exactly the same 401', async () => {
    const known = await createUser('known');
    const wrong = await login(known.username, `${known.password}x`);
    const unknown = await login(unique('nobody'), 'whatever-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(INVALID);
    expect(unknown.text).toBe(wrong.text);
    // and the right password works
    expect((await login(known.username, known.password)).status).toBe(200);
  });

  it('a disabled user cannot log in, with the same answer', async () => {
    const u = await createUser('disabled');
    const put = await api.request('PUT', `/user/${u.id}`, { username: u.username, roles: ['user'], disabled: true });
    expect(put.status).toBe(200);
    const res = await login(u.username, u.password);
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
  });

  it('slows down repeated failures for one username: blocked with 429 and Retry-After, even with the right password', async () => {
    const addr = '127.0.0.2';
    const u = await createUser('throttled');
    // login-throttle.ts: from the fifth failure on, each failure blocks the name (1 s, 2 s, ...).
    for (let i = 1; i <= 5; i++) {
      const res = await loginFrom(addr, u.username, `wrong-${i}-password`);
      expect({ attempt: i, status: res.status }).toEqual({ attempt: i, status: 401 });
    }
    const blocked = await loginFrom(addr, u.username, u.password);
    expect(blocked.status).toBe(429);
    expect(blocked.body.status).toBe(429);
    expect(blocked.body.error.reason).toMatch(/^too many failed logins: try again in \d+ s$/);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    // the same name from another address is blocked too (counted by name)
    expect((await loginFrom('127.0.0.1', u.username, u.password)).status).toBe(429);
    // another username from the same address is fine
    const other = await createUser('unthrottled');
    expect((await loginFrom(addr, other.username, other.password)).status).toBe(200);
    // after the block, the right password works again
    await sleep(retryAfter * 1000 + 150);
    expect((await loginFrom(addr, u.username, u.password)).status).toBe(200);
  });

  it('slows down one address from its 20th failure, whatever the usernames; other addresses are not affected', async () => {
    const addr = '127.0.0.3';
    const good = await createUser('addr-good');
    let failures = 0;
    // 19 failures spread over names that each stay under their own limit (at most 4 each)
    for (let n = 0; failures < 19; n++) {
      const name = unique(`guess${n}`);
      for (let i = 0; i < 4 && failures < 19; i++, failures++) {
        expect((await loginFrom(addr, name, `guess-${i}-password`)).status).toBe(401);
      }
      // after each name's failures, a real user from this address still gets in
      expect((await loginFrom(addr, good.username, good.password)).status).toBe(200);
    }
    // the 20th failure blocks the address
    expect((await loginFrom(addr, unique('guess-last'), 'guess-password')).status).toBe(401);
    const blocked = await loginFrom(addr, good.username, good.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // another address is not blocked
    expect((await loginFrom('127.0.0.4', good.username, good.password)).status).toBe(200);
  });
});

describe('logout', () => {
  it('ends that login only: the JWT is refused, other logins and API tokens keep working', async () => {
    const u = await createUser('logout');
    const first = await loginToken(u);
    const second = await loginToken(u);
    const minted = await api.anonymous('POST', '/auth/request_access_token', { name: 'kept' }, as(first));
    expect(minted.status).toBe(200);
    const apiToken = minted.body.access_token as string;
    expect((await profile(first)).status).toBe(200); // cached as valid before the logout

    const out = await api.anonymous('POST', '/account/logout', undefined, as(first));
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ status: 'ok' });
    expect((await profile(first)).status).toBe(401);
    expect((await api.anonymous('POST', '/account/logout', undefined, as(first))).status).toBe(401);

    expect((await profile(second)).status).toBe(200);
    expect((await profile(apiToken)).body.id).toBe(u.id);
    expect((await profile(await loginToken(u))).status).toBe(200);
    expect((await api.request('GET', '/account/profile')).status).toBe(200); // the admin's API token

    // logging out with an API token ends nothing
    expect((await api.anonymous('POST', '/account/logout', undefined, as(apiToken))).status).toBe(200);
    expect((await profile(apiToken)).status).toBe(200);
  });
});

describe('password change', () => {
  it('needs the old password; then only the new one logs in and the other logins end', async () => {
    const u = await createUser('passwd');
    const current = await loginToken(u);
    const other = await loginToken(u);
    const apiToken = (await api.anonymous('POST', '/auth/request_access_token', { name: 'stays' }, as(current))).body.access_token as string;
    expect((await profile(other)).status).toBe(200);

    const newPassword = `new-pw-${randomBytes(6).toString('hex')}`;
    const wrong = await api.anonymous('PUT', '/account/password', { old_password: 'not-the-password', new_password: newPassword }, as(current));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ status: 400, error: { reason: 'old_password is not correct' } });
    expect((await login(u.username, u.password)).status).toBe(200); // nothing changed
    expect((await api.anonymous('PUT', '/account/password', { old_password: u.password, new_password: 'short' }, as(current))).status).toBe(400);

    const ok = await api.anonymous('PUT', '/account/password', { old_password: u.password, new_password: newPassword }, as(current));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ok' });
    const old = await login(u.username, u.password);
    expect(old.status).toBe(401);
    expect(old.body).toEqual(INVALID);
    expect((await login(u.username, newPassword)).status).toBe(200);
    expect((await profile(other)).status).toBe(401); // the user's other login ended
    expect((await profile(current)).status).toBe(200); // the one that changed it stays
    expect((await profile(apiToken)).status).toBe(200); // API tokens are not logins
  });
});

describe('users', () => {
  it('creates users whose password hash no response shows, not even through search or aggregations', async () => {
    const u = await createUser('hidden');
    const stored = (await api.server.deps.mongo.models.User.findById(u.id).lean()) as any;
    expect(stored.password_hash).toMatch(/^\$argon2id\$/); // there is a hash to leak

    const got = await api.request('GET', `/user/${u.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ _id: u.id, found: true, _source: { username: u.username, roles: ['user'], disabled: false, email: `${u.username}@example.com` } });
    expect(got.body._source).not.toHaveProperty('password_hash');
    expect(got.text).not.toContain('argon2');

    const bySearch = await api.request('GET', `/user/_search?query=${u.username}`);
    expect(bySearch.status).toBe(200);
    expect(bySearch.body.hits.hits.map((h: any) => h._id)).toEqual([u.id]);
    const all = await api.request('POST', '/user/_search', { query: { match_all: {} }, size: 100 });
    expect(all.body.hits.hits.length).toBeGreaterThanOrEqual(2);
    for (const res of [bySearch, all]) {
      expect(res.text).not.toContain('password_hash');
      expect(res.text).not.toContain('argon2');
    }

    const aggs = await api.request('POST', '/user/_search', { size: 0, aggs: { h: { terms: { field: 'password_hash' } } } });
    expect(aggs.status).toBe(400);
    expect(aggs.body.error.reason).toBe('aggs.h.terms.field: field "password_hash" is not aggregatable');
    expect(aggs.text).not.toContain('argon2');
    for (const query of [{ exists: { field: 'password_hash' } }, { prefix: { password_hash: '$argon2' } }, { wildcard: { 'password_hash.keyword': '*' } }]) {
      const res = await api.request('POST', '/user/_search', { query });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.text).not.toContain('argon2');
    }
    expect((await api.request('GET', '/user/_search?filter=password_hash:x')).status).toBe(400);
    expect((await api.request('GET', '/user/_search?sort=password_hash:desc')).status).toBe(400);
    // an aggregation on a visible field still works
    const roles = await api.request('POST', '/user/_search', { size: 0, aggs: { r: { terms: { field: 'roles' } } } });
    expect(roles.status).toBe(200);
    expect(roles.body.aggregations.r.buckets.map((b: any) => b.key)).toEqual(expect.arrayContaining(['admin', 'user']));

    // PUT without a password keeps it
    expect((await api.request('PUT', `/user/${u.id}`, { username: u.username, roles: ['user'], name: 'Renamed' })).status).toBe(200);
    expect((await login(u.username, u.password)).status).toBe(200);
    expect((await api.request('GET', `/user/${u.id}`)).body._source.name).toBe('Renamed');
  });

  it('refuses a duplicate username with 400 naming it', async () => {
    const u = await createUser('dup');
    const res = await api.request('POST', '/user/', { username: u.username, password: 'another-password' });
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toContain(`username [${u.username}] is already taken`);
    expect(await api.server.deps.mongo.models.User.countDocuments({ username: u.username })).toBe(1);
  });

  it('a user role cannot manage users', async () => {
    const u = await createUser('plain');
    const token = await loginToken(u);
    const denied = { status: 403, error: { reason: 'permission [user:manage] not allowed' } };
    for (const [method, path, body] of [
      ['GET', '/user/_search'],
      ['POST', '/user/_search', {}],
      ['POST', '/user/', { username: unique('sneaky'), password: 'sneaky-password', roles: ['admin'] }],
      ['GET', `/user/${u.id}`],
      ['PUT', `/user/${u.id}`, { username: u.username, roles: ['admin'] }],
      ['DELETE', '/user/admin'],
    ] as Array<[string, string, unknown?]>) {
      const res = await api.anonymous(method, path, body, as(token));
      expect({ method, path, status: res.status, body: res.body }).toEqual({ method, path, status: 403, body: denied });
    }
    expect((await api.request('GET', `/user/${u.id}`)).body._source.roles).toEqual(['user']);
  });

  it('the built-in admin cannot be deleted, disabled or lose the admin role', async () => {
    const del = await api.request('DELETE', '/user/admin');
    expect(del.status).toBe(403);
    expect(del.body.error.reason).toBe('the built-in admin user cannot be deleted');
    const disable = await api.request('PUT', '/user/admin', { username: 'admin', roles: ['admin'], disabled: true });
    expect(disable.status).toBe(403);
    const demote = await api.request('PUT', '/user/admin', { username: 'admin', roles: ['user'] });
    expect(demote.status).toBe(403);
    const source = (await api.request('GET', '/user/admin')).body._source;
    expect(source).toMatchObject({ username: 'admin', roles: ['admin'], disabled: false });
    expect((await login('admin', ADMIN_PASSWORD)).status).toBe(200);
    // it can still be edited otherwise
    expect((await api.request('PUT', '/user/admin', { username: 'admin', roles: ['admin'], name: 'Chief' })).status).toBe(200);
    expect((await api.request('GET', '/account/profile')).body.name).toBe('Chief');
  });

  it('deleting a user ends its logins and tokens', async () => {
    const u = await createUser('deleted');
    const jwt = await loginToken(u);
    expect((await profile(jwt)).status).toBe(200);
    expect((await api.request('DELETE', `/user/${u.id}`)).body).toEqual({ _id: u.id, result: 'deleted' });
    expect((await profile(jwt)).status).toBe(401);
    expect(await api.server.deps.mongo.models.ApiToken.countDocuments({ user_id: u.id })).toBe(0);
  });
});

describe('users managed by an admin', () => {
  it('a password set by an admin ends the user\'s logins; the new one logs in', async () => {
    const u = await createUser('reset');
    const jwt = await loginToken(u);
    const apiToken = (await api.anonymous('POST', '/auth/request_access_token', { name: 'kept' }, as(jwt))).body.access_token as string;
    const put = await api.request('PUT', `/user/${u.id}`, { username: u.username, roles: ['user'], password: 'a-brand-new-password' });
    expect(put.body).toEqual({ _id: u.id, result: 'updated' });
    expect((await profile(jwt)).status).toBe(401);
    expect((await profile(apiToken)).status).toBe(200);
    expect((await login(u.username, u.password)).status).toBe(401);
    expect((await login(u.username, 'a-brand-new-password')).status).toBe(200);
  });

  it('a rename shows on the user\'s tokens', async () => {
    const u = await createUser('renamed');
    const minted = await api.request('POST', '/auth/request_access_token', { name: 'theirs', user_id: u.id });
    const renamed = unique('new-name');
    expect((await api.request('PUT', `/user/${u.id}`, { username: renamed, roles: ['user'] })).body.result).toBe('updated');
    const listed = (await api.request('GET', '/auth/access_token/_cat')).body.find((t: any) => t.id === minted.body.id);
    expect(listed.username).toBe(renamed);
  });

  it('widget is no role for a person: users cannot be given it, and widget tokens are not minted', async () => {
    const res = await api.request('POST', '/user/', { username: unique('w'), password: 'long-enough-pw', roles: ['widget'] });
    expect(res.status).toBe(400);
    expect(res.body.error.reason).toBe('roles[0]: roles: each must be one of admin, user');
    const integration = (await api.request('POST', '/integration/', { name: 'for the mint test' })).body._id as string;
    const serviceUser = (await api.request('GET', `/integration/${integration}`)).body._source.user_id as string;
    const mint = await api.request('POST', '/auth/request_access_token', { name: 'unlimited?', user_id: serviceUser });
    expect(mint.status).toBe(403);
    expect(mint.body.error.reason).toBe('widget tokens are issued by their integration (/integration/), not minted');
    for (const [method, body] of [['PUT', { username: 'taken-over', roles: ['user'], password: 'long-enough-pw' }], ['DELETE', undefined]] as const) {
      const res2 = await api.request(method, `/user/${serviceUser}`, body);
      expect([method, res2.status]).toEqual([method, 403]);
    }
    expect((await api.request('GET', `/user/${serviceUser}`)).body._source.roles).toEqual(['widget']);
  });
});

describe('API tokens', () => {
  const mint = (token: string, body: unknown) => api.anonymous('POST', '/auth/request_access_token', body, as(token));

  it('a user mints tokens with its roles or fewer, never more', async () => {
    const u = await createUser('minter');
    const jwt = await loginToken(u);
    const plain = await mint(jwt, { name: 'all mine' });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ access_token: expect.stringMatching(/^[0-9a-f]{64}$/), roles: ['user'] });
    expect((await profile(plain.body.access_token)).body).toMatchObject({ id: u.id, roles: ['user'] });
    expect((await mint(jwt, { name: 'explicit', roles: ['user'] })).status).toBe(200);
    for (const roles of [['admin'], ['user', 'admin'], ['widget']]) {
      const res = await mint(jwt, { name: 'more', roles });
      expect({ roles, status: res.status }).toEqual({ roles, status: 403 });
      expect(res.body.error.reason).toMatch(/^permission \[[a-z,]+\] not allowed/);
    }

    // a user with two roles mints a token with fewer: the token can do only what its roles allow
    const both = await createUser('both', ['admin', 'user']);
    const bothJwt = await loginToken(both);
    expect((await api.anonymous('GET', '/user/_search', undefined, as(bothJwt))).status).toBe(200);
    const narrow = await mint(bothJwt, { name: 'narrow', roles: ['user'] });
    expect(narrow.body.roles).toEqual(['user']);
    expect((await api.anonymous('GET', '/user/_search', undefined, as(narrow.body.access_token))).status).toBe(403);
    // and that narrower token cannot mint a wider one
    expect((await mint(narrow.body.access_token, { roles: ['admin'] })).status).toBe(403);
  });

  it('an admin mints for another user (within that user\'s roles); a user cannot', async () => {
    const u = await createUser('target');
    const other = await createUser('intruder');
    const forU = await api.request('POST', '/auth/request_access_token', { name: 'minted by admin', user_id: u.id });
    expect(forU.status).toBe(200);
    expect(forU.body.roles).toEqual(['user']);
    expect((await profile(forU.body.access_token)).body).toMatchObject({ id: u.id, username: u.username, roles: ['user'] });
    expect((await api.request('POST', '/auth/request_access_token', { user_id: u.id, roles: ['admin'] })).status).toBe(403);

    const res = await mint(await loginToken(other), { name: 'not mine', user_id: u.id });
    expect(res.status).toBe(403);
    expect(res.body.error.reason).toMatch(/^permission \[user:manage\] not allowed/);
    const owned = await api.server.deps.mongo.models.ApiToken.find({ user_id: u.id }).lean();
    expect(owned.map((t: any) => t.name)).toEqual(['minted by admin']);
  });

  it('_cat lists a user\'s own tokens only, everyone\'s for an admin, always masked; a user cannot delete another\'s', async () => {
    const alice = await createUser('alice');
    const bob = await createUser('bob');
    const aliceJwt = await loginToken(alice);
    const bobJwt = await loginToken(bob);
    const a1 = (await mint(aliceJwt, { name: 'alice-1' })).body;
    const a2 = (await api.request('POST', '/auth/request_access_token', { name: 'alice-2', user_id: alice.id })).body;
    const b1 = (await mint(bobJwt, { name: 'bob-1' })).body;
    const values = [a1.access_token, a2.access_token, b1.access_token, aliceJwt, bobJwt, api.token];

    const aliceList = await api.anonymous('GET', '/auth/access_token/_cat', undefined, as(aliceJwt));
    expect(aliceList.status).toBe(200);
    expect(aliceList.body.map((t: any) => t.id).sort()).toEqual([a1.id, a2.id].sort());
    expect(aliceList.body.every((t: any) => t.user_id === alice.id)).toBe(true);
    const adminList = await api.request('GET', '/auth/access_token/_cat');
    expect(adminList.status).toBe(200);
    const ids = adminList.body.map((t: any) => t.id);
    expect(ids).toEqual(expect.arrayContaining([a1.id, a2.id, b1.id]));
    expect(adminList.body.find((t: any) => t.id === b1.id)).toMatchObject({ name: 'bob-1', user_id: bob.id, username: bob.username, roles: ['user'] });
    expect(adminList.body.some((t: any) => t.user_id === 'admin')).toBe(true);
    expect(adminList.body.some((t: any) => t.name === 'login')).toBe(false); // logins are not API tokens
    for (const list of [aliceList, adminList]) {
      for (const v of values) expect(list.text).not.toContain(v);
      for (const t of list.body) expect(t.access_token).toMatch(/^\*{15}.{4}$/);
    }
    const shown = adminList.body.find((t: any) => t.id === a1.id).access_token;
    expect(shown).toBe(`${'*'.repeat(15)}${a1.access_token.slice(-4)}`);

    const steal = await api.anonymous('DELETE', `/auth/access_token/${a1.id}`, undefined, as(bobJwt));
    expect(steal.status).toBe(404);
    expect((await profile(a1.access_token)).status).toBe(200);
    const own = await api.anonymous('DELETE', `/auth/access_token/${b1.id}`, undefined, as(bobJwt));
    expect(own.body).toEqual({ _id: b1.id, result: 'deleted' });
    expect((await profile(b1.access_token)).status).toBe(401);
    // an admin deletes anyone's
    expect((await api.request('DELETE', `/auth/access_token/${a2.id}`)).status).toBe(200);
    expect((await profile(a2.access_token)).status).toBe(401);
  });
});

describe('revocation across API instances', () => {
  let b: ApiServer;
  let bUrl: string;
  beforeAll(async () => {
    // A second instance on the same store and Redis prefix, as a scaled-out deployment runs it.
    b = await startApiServer(api.server.deps.config);
    bUrl = `http://127.0.0.1:${b.apiPort}`;
  }, 60_000);
  afterAll(() => b.close());

  const onB = (token: string) => fetch(`${bUrl}/account/profile`, { headers: as(token) });

  /** Polls instance B every 20 ms; the ms from `since` until it answers 401 (gives up after 6 s). */
  async function msUntilRefusedOnB(token: string, since: number): Promise<number> {
    for (;;) {
      const res = await onB(token);
      const elapsed = Date.now() - since;
      if (res.status === 401) return elapsed;
      expect(res.status).toBe(200);
      if (elapsed > 6000) return elapsed;
      await sleep(20);
    }
  }

  interface OpenSocket {
    socket: WebSocket;
    closed: Promise<{ code: number; at: number }>;
  }

  /** A WebSocket on instance B's WebSocket listener, open once its CONFIG frame arrived. */
  function openWsOnB(token: string): Promise<OpenSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${b.wsPort}/ws`, { headers: as(token) });
      const closed = new Promise<{ code: number; at: number }>((r) => socket.on('close', (code) => r({ code, at: Date.now() })));
      socket.on('error', reject);
      socket.on('message', (data) => {
        if (data.toString().startsWith('CONFIG websocket-session-id:')) resolve({ socket, closed });
      });
    });
  }

  /** Warms the token on B (HTTP and a socket), makes the change on A, and measures how fast B follows. */
  async function revokeAndMeasure(what: string, token: string, change: () => Promise<TestResponse>) {
    const warm = await onB(token);
    expect(warm.status).toBe(200); // B now holds the token as valid in its cache
    const ws = await openWsOnB(token);
    const since = Date.now();
    const res = await change();
    expect(res.status).toBe(200);
    const httpMs = await msUntilRefusedOnB(token, since);
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([ws.closed, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 3000)))]);
    clearTimeout(timer);
    ws.socket.terminate();
    const wsMs = closed ? closed.at - since : undefined;
    console.log(`revocation (${what}): instance B answered 401 after ${httpMs} ms; its WebSocket was closed (code ${closed?.code}) after ${wsMs} ms`);
    expect(httpMs).toBeLessThan(1000);
    expect(closed?.code).toBe(1008);
    expect(wsMs).toBeLessThan(1000);
    // and it stays refused on both instances
    expect((await onB(token)).status).toBe(401);
    expect((await profile(token)).status).toBe(401);
  }

  it('a deleted API token is refused by the other instance within 1 s, and its socket there is closed', async () => {
    const u = await createUser('rev-token');
    const minted = await api.anonymous('POST', '/auth/request_access_token', { name: 'to revoke' }, as(await loginToken(u)));
    await revokeAndMeasure('API token deleted', minted.body.access_token, () => api.request('DELETE', `/auth/access_token/${minted.body.id}`));
  });

  it('a disabled user\'s token is refused by the other instance within 1 s, and its socket there is closed', async () => {
    const u = await createUser('rev-disabled');
    const token = (await api.request('POST', '/auth/request_access_token', { name: 'of a user to disable', user_id: u.id })).body.access_token;
    await revokeAndMeasure('user disabled', token, () => api.request('PUT', `/user/${u.id}`, { username: u.username, roles: ['user'], disabled: true }));
  });

  it('a logged-out JWT is refused by the other instance within 1 s, and its socket there is closed', async () => {
    const u = await createUser('rev-logout');
    const jwt = await loginToken(u);
    const other = await loginToken(u);
    await revokeAndMeasure('logout', jwt, () => api.anonymous('POST', '/account/logout', undefined, as(jwt)));
    // the user's other login still works on B
    expect((await onB(other)).status).toBe(200);
  });
});
