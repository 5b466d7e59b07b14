// The monitoring stack of docker-compose.yml, checked statically (no Docker engine on the build machines):
// Prometheus scrapes the API and the workers where they serve /metrics, Grafana gets its data source and
// the dashboard kept in the repository, Jaeger receives the traces; and every metric the dashboard queries
// is one the code defines (src/infra/metrics.ts's registry, or the Temporal SDK runtime's own), with the
// labels it has, so the dashboard cannot drift from the code.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const envOf = (name: string) => services[name]?.environment ?? {};
/** `host:container` (or `ip:host:container`) → the host part with its address. */
const published = (name: string) => (services[name]?.ports ?? []).map((p) => String(p));

describe('docker-compose.yml: the monitoring stack', () => {
  it('runs Prometheus, Grafana and Jaeger from pinned default tags, their UIs on this machine only', () => {
    const uis: Record<string, string> = { prometheus: '9090', grafana: '3000', jaeger: '16686' };
    for (const [name, port] of Object.entries(uis)) {
      expect(services[name]?.image).toMatch(/^[a-z/-]+:\$\{[A-Z_]+:-v?\d+\.\d+\.\d+\}$/);
      expect(published(name)).toEqual([`127.0.0.1:${port}:${port}`]);
    }
  });

  it('has every mounted file of the repository in place, and the named volumes declared', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const [source] = v.split(':');
        if (source!.startsWith('./')) expect([name, fs.existsSync(path.join(root, source!))]).toEqual([name, true]);
        else expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
  });

  it.each(['api', 'worker'])('has %s serve /metrics to the compose network (not published) and send traces to Jaeger', (name) => {
    const env = envOf(name);
    const port = name === 'api' ? env.COCO_METRICS_PORT : env.COCO_WORKER_METRICS_PORT;
    expect(port).toBe('9464');
    expect(env.COCO_METRICS_HOST).toBe('0.0.0.0');
    expect(published(name).some((p) => p.endsWith(`:${port}`))).toBe(false);
    const otlp = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT!);
    expect(otlp.hostname).toBe('jaeger');
    expect(otlp.port).toBe('4318'); // OTLP over HTTP, what src/infra/tracing.ts sends
    expect(envOf('jaeger').COLLECTOR_OTLP_ENABLED).toBe('true');
  });

  it('gives the API and the worker settings the configuration accepts', () => {
    const env = envOf('api');
    const plain = Object.fromEntries(Object.entries(env).filter(([, v]) => !String(v).includes('${')));
    const config = loadConfig({ ...plain, COCO_TEMPORAL_UI_URL: 'http://localhost:8233' });
    expect(config.temporal.uiUrl).toBe('http://localhost:8233');
    expect(env.COCO_TEMPORAL_UI_URL).toBe('${COCO_TEMPORAL_UI_URL:-http://localhost:8233}');
    expect(publishedPortsOf('temporal')).toContain('8233');
  });
});

function publishedPortsOf(name: string): string[] {
  return published(name).map((p) => p.split(':').at(-2)!);
}

describe('Prometheus and Grafana provisioning', () => {
  const prom = parse(read('deploy/prometheus/prometheus.yml')) as {
    scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; type: string; port: number }> }>;
  };

  it('scrapes every replica of the API and the worker on their metrics ports', () => {
    const jobs = Object.fromEntries(prom.scrape_configs.map((j) => [j.job_name, j.dns_sd_configs?.[0]]));
    expect(jobs['coco-api']).toEqual({ names: ['api'], type: 'A', port: Number(envOf('api').COCO_METRICS_PORT), refresh_interval: '30s' });
    expect(jobs['coco-worker']).toEqual({ names: ['worker'], type: 'A', port: Number(envOf('worker').COCO_WORKER_METRICS_PORT), refresh_interval: '30s' });
  });

  it("provisions the data source the dashboard names, and the repository's dashboards", () => {
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as { datasources: Array<{ uid: string; type: string; url: string }> };
    expect(ds.datasources).toEqual([expect.objectContaining({ uid: 'coco-prometheus', type: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = parse(read('deploy/grafana/provisioning/dashboards/coco.yml')) as { providers: Array<{ options: { path: string } }> };
    const mounted = services.grafana!.volumes!.find((v) => v.startsWith('./deploy/grafana/dashboards:'))!.split(':')[1];
    expect(providers.providers[0]!.options.path).toBe(mounted);
    expect(envOf('grafana').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(`${mounted}/coco.json`);
    for (const p of panels()) expect([p.title, p.datasource?.uid]).toEqual([p.title, 'coco-prometheus']);
  });
});

// ── the dashboard ──────────────────────────────────────────────────────────────────────────────────────

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr: string }>;
}
const dashboard = JSON.parse(read('deploy/grafana/dashboards/coco.json')) as { uid: string; panels: Panel[] };
const panels = () => dashboard.panels.filter((p) => p.type !== 'row');
const exprs = () => panels().flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

const METRIC = /\b((?:coco|temporal)_[a-z0-9_]+)\b/g;
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;
/** Labels every series has from the scrape, and the bucket bound of histograms. */
const SCRAPE_LABELS = ['job', 'instance'];

interface Defined {
  type: string;
  labels: string[];
}

/** The metrics src/infra/metrics.ts registers (by name), or null while that file does not exist. */
function codeMetrics(): Map<string, Defined> | null {
  const file = path.join(root, 'src', 'infra', 'metrics.ts');
  if (!fs.existsSync(file)) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when present
  const { registry } = require(file) as { registry: { getMetricsAsArray(): Array<{ name: string; type?: string; labelNames?: string[] }> } };
  return new Map(
    registry.getMetricsAsArray().map((m) => {
      const type = String(m.type ?? (m as { constructor: { name: string } }).constructor.name).toLowerCase();
      return [m.name, { type, labels: [...(m.labelNames ?? [])] }];
    }),
  );
}

/** The Temporal SDK runtime's metric names (sdk-core's source ships with @temporalio/core-bridge), `temporal_`-prefixed. */
function sdkMetricNames(): Set<string> {
  const source = read('node_modules/@temporalio/core-bridge/sdk-core/crates/sdk-core/src/telemetry/metrics.rs');
  // `const X_NAME: &str = "…"` and `name: "…".into()`; gauges keep their name, histograms in seconds
  // get `_seconds` (unitSuffix, useSecondsForDurations) and counters `_total` (countersTotalSuffix).
  const names = [...source.matchAll(/(?:NAME: &str = |name: )"([a-z][a-z0-9_]+)"/g)].map((m) => `temporal_${m[1]}`);
  return new Set(names.flatMap((n) => [n, `${n}_total`, `${n}_seconds`, ...['bucket', 'sum', 'count'].map((s) => `${n}_seconds_${s}`)]));
}

/** The label names an expression uses: selectors `{a="x"}` and `by (a, b)` / `without (a)` clauses. */
function labelsUsed(expr: string): string[] {
  const out: string[] = [];
  for (const m of expr.matchAll(/\{([^}]*)\}/g)) for (const l of m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) out.push(l[1]!);
  for (const m of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) out.push(...m[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  return out;
}

describe('deploy/grafana/dashboards/coco.json', () => {
  it('is a dashboard with unique panel ids, each querying something', () => {
    expect(dashboard.uid).toBe('coco-overview');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels()) expect([p.title, (p.targets ?? []).length > 0 && p.targets!.every((t) => t.expr.trim() !== '')]).toEqual([p.title, true]);
  });

  it('shows first-token latency p50 and p95, replies by outcome, provider errors, API 5xx and worker slots', () => {
    const all = exprs().map((e) => e.expr);
    const has = (re: RegExp) => expect(all.some((e) => re.test(e))).toBe(true);
    has(/histogram_quantile\(0\.5, sum by \(le\) \(rate\(coco_first_token_seconds_bucket/);
    has(/histogram_quantile\(0\.95, sum by \(le\) \(rate\(coco_first_token_seconds_bucket/);
    has(/sum by \(outcome\) \(rate\(coco_turns_total/);
    has(/sum by \(status\) \(rate\(coco_provider_errors_total/);
    has(/coco_http_responses_total\{class="5xx"\}/);
    has(/temporal_worker_task_slots_available/);
  });

  it('queries only metrics the code defines, with the labels they have', () => {
    const defined = codeMetrics();
    const sdk = sdkMetricNames();
    const unknown: string[] = [];
    const wrongLabels: string[] = [];
    for (const { panel, expr } of exprs()) {
      const names = [...expr.matchAll(METRIC)].map((m) => m[1]!);
      expect([panel, names.length > 0]).toEqual([panel, true]);
      const labels = new Set<string>(SCRAPE_LABELS);
      let unchecked = false;
      for (const name of names) {
        if (name.startsWith('temporal_')) {
          if (!sdk.has(name)) unknown.push(`${panel}: ${name} (not a Temporal SDK metric)`);
          for (const l of ['namespace', 'task_queue', 'worker_type', 'service_name']) labels.add(l);
          continue;
        }
        if (!defined) {
          unchecked = true; // src/infra/metrics.ts not written yet: nothing to compare with
          continue;
        }
        const series = defined.get(name) ? name : name.replace(HISTOGRAM_SERIES, '');
        const metric = defined.get(series);
        if (!metric) {
          unknown.push(`${panel}: ${name}`);
          continue;
        }
        if (series !== name && metric.type !== 'histogram') unknown.push(`${panel}: ${name} (${series} is a ${metric.type})`);
        if (name.endsWith('_bucket')) labels.add('le');
        for (const l of metric.labels) labels.add(l);
      }
      if (!unchecked) for (const l of labelsUsed(expr)) if (!labels.has(l)) wrongLabels.push(`${panel}: ${l} in ${expr}`);
    }
    expect(unknown).toEqual([]);
    expect(wrongLabels).toEqual([]);
  });

  it('knows the metric definitions (once src/infra/metrics.ts exists) and the SDK metric names', () => {
    const defined = codeMetrics();
    if (defined) expect(defined.get('coco_first_token_seconds')?.type).toBe('histogram');
    expect(sdkMetricNames().has('temporal_worker_task_slots_available')).toBe(true);
  });
});
