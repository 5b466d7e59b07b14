// One part of the chaos stack as an OS process the test controls: started again on the same ports and
// data, stopped, killed, or frozen with SIGSTOP (a hung process, or an outage that keeps its state).
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { tcpOpen } from '../../../scripts/lib/stack';

export interface ServiceSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** What stop() sends first (SIGTERM by default). */
  stopSignal?: NodeJS.Signals;
  /** Run as this user (PostgreSQL will not run as root). */
  uid?: number;
  gid?: number;
  logFile: string;
  /** Its listening ports: they must be free when it starts, or its readiness would be another process's. */
  ports: number[];
  /** Whether the service answers; `output` is what it printed since this start. */
  ready(output: string): Promise<boolean>;
  readyTimeoutMs: number;
}

export interface ExitRecord {
  pid: number | undefined;
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** false: the process died on its own (not by stop() or kill()). */
  requested: boolean;
}

const TAIL_CHARS = 16_000;
const STOP_GRACE_MS = 10_000;
const KILL_WAIT_MS = 30_000;

// If jest dies without its afterAll (a crash, a timeout in beforeAll), nothing we started may outlive it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Service {
  readonly exits: ExitRecord[] = [];
  /** How long the last start() took until the service answered. */
  readyMs: number | undefined;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private live = false;
  private paused = false;
  private requested = false;
  private disposed = false;
  private tail = '';
  /** What it printed since start(), while start() waits for it to answer. */
  private sinceStart: string | undefined;

  constructor(readonly spec: ServiceSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  get alive(): boolean {
    return this.live;
  }

  get logFile(): string {
    return this.spec.logFile;
  }

  /** The last lines it printed (stdout and stderr), across restarts. */
  output(): string {
    return this.tail;
  }

  /** Resolves once the service answers; rejects with its output if it exits first or never answers. */
  async start(): Promise<void> {
    if (this.alive) throw new Error(`${this.name} is already running (pid ${this.child!.pid})`);
    for (const port of this.spec.ports) {
      if (await tcpOpen(port)) throw new Error(`${this.name}: port ${port} is in use by another process (a leftover of an earlier run?)`);
    }
    if (this.disposed) throw new Error(`${this.name}: the stack is stopped`);
    const started = Date.now();
    this.spawn();
    try {
      await this.waitReady(this.child!, started + this.spec.readyTimeoutMs);
      this.readyMs = Date.now() - started;
    } finally {
      this.sinceStart = undefined;
    }
  }

  /** stopSignal (a paused process is continued so it can act on it), then SIGKILL after graceMs. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return this.exited;
    this.requested = true;
    child.kill(this.spec.stopSignal ?? 'SIGTERM');
    if (this.paused) child.kill('SIGCONT');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killer);
  }

  /** Sends `signal` and resolves once the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return this.exited;
    this.requested = true;
    child.kill(signal);
    if (this.paused && signal !== 'SIGKILL') child.kill('SIGCONT');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} still runs ${KILL_WAIT_MS} ms after ${signal}`)), KILL_WAIT_MS);
    });
    try {
      await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  pause(): void {
    this.signal('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.signal('SIGCONT');
    this.paused = false;
  }

  /** Stops it for good: a start() still in flight (a test that timed out) cannot bring it back. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  private async waitReady(child: ChildProcess, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      if (child !== this.child || !this.alive) {
        throw new Error(`${this.name} exited during start (${describeExit(child)}); output:\n${this.tail.slice(-4000)}`);
      }
      if (await this.spec.ready(this.sinceStart ?? '')) return;
      await sleep(100);
    }
    await this.kill();
    throw new Error(`${this.name} did not answer within ${this.spec.readyTimeoutMs} ms; output:\n${this.tail.slice(-4000)}`);
  }

  private signal(sig: NodeJS.Signals): void {
    if (!this.alive) throw new Error(`${this.name} is not running`);
    this.child!.kill(sig);
  }

  private spawn(): void {
    const { command, args, cwd, env, logFile } = this.spec;
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    log.write(`--- ${new Date().toISOString()} start: ${command} ${args.join(' ')}\n`);
    // Not detached: a Ctrl-C on the jest run reaches these processes as well.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], uid: this.spec.uid, gid: this.spec.gid });
    this.child = child;
    this.live = true;
    this.requested = false;
    this.paused = false;
    this.sinceStart = '';
    running.add(child);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      log.write(text);
      this.tail = (this.tail + text).slice(-TAIL_CHARS);
      if (child === this.child && this.sinceStart !== undefined) this.sinceStart += text;
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      let over = false;
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (over) return;
        over = true;
        running.delete(child);
        if (child === this.child) {
          this.live = false;
          this.paused = false;
        }
        this.exits.push({ pid: child.pid, at: Date.now(), code, signal, requested: this.requested });
        resolve();
      };
      child.once('exit', done);
      // A command that cannot be spawned never exits: count it as an exit so start() fails.
      child.on('error', (err) => {
        if (child.pid !== undefined) return; // a signal that could not be sent, not a failed spawn
        onData(Buffer.from(`spawn failed: ${err.message}\n`));
        done(-1, null);
      });
    });
    child.once('close', () => log.end());
  }
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : child.exitCode !== null ? `code ${child.exitCode}` : 'could not spawn';
}
