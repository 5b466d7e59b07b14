// The one list of secrets (src/domain/secrets.ts): what reads and hits show of each, that search refuses
// their paths, and that the logs redact their names.
import { Writable } from 'node:stream';
import { DATASOURCE_SEARCH_FIELDS } from '../../src/domain/datasources/records';
import { MCP_SEARCH_FIELDS } from '../../src/domain/mcp-servers/records';
import { PROVIDER_SEARCH_FIELDS } from '../../src/domain/providers/records';
import { USER_SEARCH_FIELDS } from '../../src/domain/accounts/users';
import { revealable, SECRETS, secretPaths } from '../../src/domain/secrets';
import { createLogger } from '../../src/infra/logger';
import { checkField } from '../../src/search/fields';

const base = { _id: 'x', created: new Date(0), updated: new Date(0) };
const KEY = 'sk-a-very-secret-key-0123456789';

describe('revealable', () => {
  it('shows a provider key by its last 4 characters on GET and not at all in hits', () => {
    const doc = { ...base, name: 'p', api_key: KEY };
    expect(revealable('model_provider', doc, 'read').api_key).toBe(`${'*'.repeat(15)}6789`);
    expect('api_key' in revealable('model_provider', doc, 'hit')).toBe(false);
    expect(doc.api_key).toBe(KEY); // the stored object is not touched
  });

  it('masks every MCP env value and credential-looking connector setting, and drops password and token hashes', () => {
    const mcp = revealable('mcp_server', { ...base, config: { command: 'npx', env: [{ name: 'GITHUB_TOKEN', value: 'ghp_secret' }] } }, 'read');
    expect(mcp.config).toEqual({ command: 'npx', env: { GITHUB_TOKEN: '******' } });
    const ds = revealable('datasource', { ...base, connector: { id: 'web', config_json: JSON.stringify({ url: 'https://x', api_key: 'ds-secret', nested: { password: 'pw' } }) } }, 'hit');
    expect(ds.connector).toEqual({ id: 'web', config: { url: 'https://x', api_key: '******', nested: { password: '******' } } });
    expect(revealable('user', { ...base, username: 'u', password_hash: '$argon2id$v=19$...' }, 'read')).toEqual({ ...base, username: 'u' });
    expect(revealable('access_token', { ...base, hash: 'abc', hint: '***' }, 'read')).toEqual({ ...base, hint: '***' });
  });
});

describe('search', () => {
  it.each([
    ['model_provider', PROVIDER_SEARCH_FIELDS],
    ['mcp_server', MCP_SEARCH_FIELDS],
    ['datasource', DATASOURCE_SEARCH_FIELDS],
    ['user', USER_SEARCH_FIELDS],
  ] as const)('refuses every %s secret path and its parents in queries, sorts and aggregations', (kind, fields) => {
    for (const path of secretPaths(kind)) {
      const parts = path.split('.');
      for (let i = 1; i <= parts.length; i++) {
        const name = parts.slice(0, i).join('.');
        expect(() => checkField(fields, name, 'query')).toThrow(/is not searchable/);
      }
    }
  });
});

it('redacts every secret name in the logs', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  // The server's logger configuration, written to a sink here.
  const names = Object.values(SECRETS).flatMap((s) => Object.keys(s).map((p) => p.split('.').pop() as string));
  const entry = Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
  const out = createLogger('info', 'secrets-test', sink);
  out.info({ ctx: entry }, 'a record');
  const written = lines.join('');
  for (const n of names) expect(written).not.toContain(`value-of-${n}`);
  expect(written).toContain('[redacted]');
});
