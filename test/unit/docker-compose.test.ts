// docker-compose.yml and the Dockerfile, checked statically (no Docker engine on the build machines).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const root = path.resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
}

const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

function envOf(name: string): Record<string, string> {
  const env = services[name]?.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]));
}

function commandOf(name: string): string[] {
  const cmd = services[name]?.command ?? [];
  return Array.isArray(cmd) ? cmd : cmd.split(/\s+/);
}

function publishedPorts(name: string): { host: string; container: string }[] {
  return (services[name]?.ports ?? []).map((p) => {
    if (typeof p === 'object') return { host: String(p.published ?? p.target), container: String(p.target) };
    const parts = String(p).split(':');
    return { container: parts.at(-1)!.split('/')[0]!, host: parts.length > 1 ? parts.at(-2)! : parts[0]! };
  });
}

function dependsOn(name: string): string[] {
  const d = services[name]?.depends_on ?? [];
  return Array.isArray(d) ? d : Object.keys(d);
}

describe('docker-compose.yml', () => {
  it('runs the API, the worker, Temporal, MongoDB and Redis', () => {
    expect(Object.keys(services).sort()).toEqual(expect.arrayContaining(['api', 'worker', 'temporal', 'mongo', 'redis']));
    expect(services.mongo!.image).toMatch(/^mongo:7/);
    expect(services.redis!.image).toMatch(/^redis:7/);
  });

  it('publishes the API port 9000 and the WebSocket port 2900', () => {
    const ports = publishedPorts('api');
    expect(ports).toEqual(expect.arrayContaining([{ host: '9000', container: '9000' }, { host: '2900', container: '2900' }]));
  });

  it.each(['api', 'worker'])('points %s at the compose services', (name) => {
    const env = envOf(name);
    expect(env.MONGODB_URI).toBe('mongodb://mongo:27017/coco');
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(dependsOn(name)).toEqual(expect.arrayContaining(['mongo', 'redis', 'temporal']));
  });

  it('lets the API listen on all interfaces and passes the secrets through without values', () => {
    const env = envOf('api');
    expect(env.COCO_HOST).toBe('0.0.0.0');
    for (const key of ['COCO_ADMIN_TOKEN', 'COCO_LLM_BASE_URL', 'COCO_LLM_API_KEY', 'COCO_LLM_MODEL']) {
      expect(env).toHaveProperty(key);
      // An interpolation of the caller's environment, never a literal value in the file.
      expect(env[key]).toMatch(new RegExp(`^\\$\\{${key}(:?-)?\\}$`));
    }
  });

  it('runs the worker from the same image with src/worker.ts', () => {
    expect(services.worker!.image ?? services.worker!.build).toEqual(services.api!.image ?? services.api!.build);
    expect(commandOf('worker').join(' ')).toContain('src/worker.ts');
    expect(publishedPorts('worker')).toEqual([]);
  });

  it('starts Temporal with the search attributes and update-with-start enabled, and exposes its UI', () => {
    const t = services.temporal!;
    expect(t.image).toMatch(/^temporalio\/(temporal|auto-setup)\b/);
    const args = commandOf('temporal');
    const values = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : a.startsWith(`${flag}=`) ? [a.slice(flag.length + 1)] : []));
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(values('--ip')).toEqual(['0.0.0.0']);
    expect(values('--search-attribute')).toEqual(expect.arrayContaining(['CocoSessionId=Keyword', 'CocoAssistantId=Keyword', 'CocoSummary=Keyword']));
    expect(values('--dynamic-config-value')).toContain('frontend.enableExecuteMultiOperation=true');
    expect(publishedPorts('temporal').map((p) => p.container)).toContain('8233');
  });

  it('has healthchecks for the services others wait on', () => {
    for (const name of ['mongo', 'redis', 'temporal', 'api']) expect(services[name]!.healthcheck?.test).toBeDefined();
  });
});

describe('Dockerfile', () => {
  const file = path.join(root, 'Dockerfile');

  it('exists, installs with npm ci on Node 20 and runs the API by default', () => {
    expect(fs.existsSync(file)).toBe(true);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^FROM node:20[\w.-]*bookworm-slim/m);
    expect(text).toMatch(/^RUN npm ci\b/m);
    const cmd = text.match(/^CMD\s+(.+)$/m)?.[1];
    expect(cmd).toBeDefined();
    const argv: string[] = cmd!.trim().startsWith('[') ? JSON.parse(cmd!) : cmd!.split(/\s+/);
    expect(argv).toContain('src/server.ts');
  });

  it('bakes in no secrets and builds no Go tools', () => {
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toMatch(/^(ENV|ARG)\b.*\b(COCO_ADMIN_TOKEN|COCO_LLM_API_KEY)\b/m);
    expect(text).not.toMatch(/\bgo (install|build)\b|npm run toolchain|scripts\/start\.ts/);
  });

  it('keeps local state out of the build context', () => {
    const ignored = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tools', '.data', '.git', 'test-artifacts']));
  });
});
