// `npx tsx bench/idle.ts [sessions=10000]`: memory with many idle sessions. Runs the system as separate
// processes (the chaos stack: Temporal, FerretDB on PostgreSQL, Redis, one API, one worker), creates the
// sessions (each a first turn answered by the test model, so each is a running workflow, now idle), and
// prints every process's memory (PSS summed over its process tree: PostgreSQL's backends share memory)
// before any session and after them all, beside the worker's own bound (COCO_WORKER_CACHED_SESSIONS).
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startChaosStack, type ChaosStack, type Service } from '../test/helpers/chaos-stack';
import { startFakeLlm, tokensOf } from '../test/helpers/fake-llm';
import { percentile, table } from './stats';

const SESSIONS = Number(process.argv[2] ?? 10_000);
const CLIENTS = 50;
const log = (line: string) => process.stdout.write(`[bench:idle] ${line}\n`);

/** Proportional set size (MiB) of a process and all its descendants. */
function treePssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  let kb = 0;
  for (const stack = [pid]; stack.length; ) {
    const p = stack.pop()!;
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone meanwhile */
    }
    stack.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

async function main() {
  const llm = await startFakeLlm();
  llm.fallback = () => ({ tokens: tokensOf('Idle now.') });
  let stack: ChaosStack | undefined;
  try {
    stack = await startChaosStack({ base: 26_000, llm: { url: llm.url } });
    const s = stack;
    const services: Array<[string, Service]> = [['worker', s.worker()], ['API', s.api()], ['Temporal', s.temporal], ['FerretDB', s.ferret], ['PostgreSQL', s.postgres], ['Redis', s.redis]];
    const sample = () => services.map(([, svc]) => treePssMb(svc.pid));
    await new Promise((r) => setTimeout(r, 3000));
    const before = sample();
    log(`${SESSIONS} sessions by ${CLIENTS} clients ...`);
    const t0 = performance.now();
    let next = 0;
    let failed = 0;
    const firstLine: number[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < SESSIONS) {
          const i = next++;
          const c0 = performance.now();
          const res = await s.postNdjson('/chat/_create', { message: `idle ${i}` });
          firstLine.push(performance.now() - c0);
          const lines = await res.done.catch(() => []);
          const end = lines.find((l) => l.value.chunk_type === 'reply_end');
          if (res.status !== 200 || !end || !String(end.value.message_chunk).includes('completed')) failed++;
          if (i % 1000 === 999) log(`  ${i + 1} sessions, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 10_000)); // follow-ups (titles) done, memory settled
    const after = sample();
    const rows = [['process', 'no session', `${SESSIONS} idle sessions`, 'difference']];
    services.forEach(([name], i) => rows.push([name, `${before[i]!.toFixed(0)} MiB`, `${after[i]!.toFixed(0)} MiB`, `${(after[i]! - before[i]!).toFixed(0)} MiB`]));
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    rows.push(['all', `${total(before).toFixed(0)} MiB`, `${total(after).toFixed(0)} MiB`, `${(total(after) - total(before)).toFixed(0)} MiB`]);
    process.stdout.write(`\n${table(rows)}\n\n`);
    log(`made in ${seconds.toFixed(1)} s (${(SESSIONS / seconds).toFixed(1)} sessions/s), failed ${failed}; _create first line p50 ${percentile(firstLine, 50).toFixed(0)} ms, p99 ${percentile(firstLine, 99).toFixed(0)} ms`);
    log(`worker under 1 GiB: ${after[0]! < 1024 ? 'PASS' : 'MISS'}`);
  } finally {
    await stack?.stop();
    await llm.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`[bench:idle] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
