// Workers for the benchmarks as separate processes, as `npm start` runs them (the API stays in the bench's
// process): a worker sharing the event loop with the API, the test model and the clients would measure
// that contention, not the server.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

export async function startWorkerProcesses(count: number, env: Record<string, string>): Promise<{ stop(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const one = () =>
    new Promise<void>((resolve, reject) => {
      // COCO_BENCH_PROFILE_DIR: each worker writes a CPU profile there when it exits.
      const profile = process.env.COCO_BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.COCO_BENCH_PROFILE_DIR}`] : [];
      const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/worker.ts'], { cwd: root, env: { ...process.env, ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 60_000);
      const onData = (d: Buffer) => {
        out = (out + d.toString()).slice(-4000);
        if (out.includes('worker running')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${out}`)));
    });
  await Promise.all(Array.from({ length: count }, one));
  return {
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
              setTimeout(() => c.kill('SIGKILL'), 20_000).unref();
            }),
        ),
      );
    },
  };
}
