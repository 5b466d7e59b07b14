// Keeps one child of `npm start` (the API or the worker) running. A crash of one of them (a kill -9, an
// out-of-memory, a bug) should cost a restart of that process, not the whole stack: replies in flight
// continue on the restarted worker, and the other process never notices. A child that keeps crashing has
// a fault a restart will not cure, so after a few quick crashes the supervisor gives up instead of
// looping forever.
import { ChildProcess } from 'node:child_process';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
/** A child that ran this long was healthy: its next crash is not part of a streak, the delay starts over. */
const HEALTHY_RUN_MS = 60_000;
const CRASH_LIMIT = 5;
const CRASH_WINDOW_MS = 60_000;
/** How long a stopped child may take to finish its own orderly shutdown before it is killed. */
const STOP_GRACE_MS = 8000;

export interface SuperviseOptions {
  name: string;
  spawn: () => ChildProcess;
  log: (line: string) => void;
  /** The child crashed CRASH_LIMIT times within CRASH_WINDOW_MS; it is not restarted again. */
  onCrashLoop: () => void;
}

export interface Supervisor {
  /** Stops the child and cancels a pending restart: nothing is started after this. */
  stop(): Promise<void>;
}

export function supervise({ name, spawn, log, onCrashLoop }: SuperviseOptions): Supervisor {
  let pendingRestart: NodeJS.Timeout | undefined;
  let stopped = false;
  let delayMs = FIRST_DELAY_MS;
  let restarts = 0;
  let crashTimes: number[] = [];

  const start = (): ChildProcess => {
    const startedAt = Date.now();
    const started = spawn();
    started.once('exit', (code, signal) => {
      if (!stopped) crashed(signal ?? `code ${code}`, Date.now() - startedAt);
    });
    return started;
  };

  const crashed = (reason: string, ranMs: number) => {
    const now = Date.now();
    crashTimes = [...crashTimes.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (crashTimes.length >= CRASH_LIMIT) {
      log(`${name} crashed ${CRASH_LIMIT} times in ${CRASH_WINDOW_MS / 1000}s; stopping everything`);
      onCrashLoop();
      return;
    }
    if (ranMs >= HEALTHY_RUN_MS) delayMs = FIRST_DELAY_MS;
    restarts++;
    log(`${name} exited (${reason}); restarting in ${delayMs / 1000}s (restart ${restarts})`);
    pendingRestart = setTimeout(() => (child = start()), delayMs);
    delayMs = Math.min(delayMs * 2, MAX_DELAY_MS);
  };

  let child = start();
  return {
    stop() {
      stopped = true;
      clearTimeout(pendingRestart);
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
