// Admission under overload: at most `concurrency` turns are being started by this API instance at once
// (store writes, the workflow start or update, until the worker took the turn); up to `queue` more wait
// their turn in arrival order, each for at most `maxWaitMs`; beyond that a turn is refused at once with
// 503 and a Retry-After, instead of every turn in flight slowing down together.
import type { Next } from 'koa';
import { metrics } from '../../infra/metrics';
import type { AppContext } from '../context';
import { ServerBusyError } from '../errors';

export interface AdmissionLimits {
  concurrency: number;
  queue: number;
  maxWaitMs: number;
}

export class AdmissionGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** Recent time a turn held its slot (ms, moving average): what a Retry-After estimate is made of. */
  private holdMs = 200;

  constructor(private readonly limits: AdmissionLimits) {}

  get stats() {
    return { active: this.active, waiting: this.waiting.length };
  }

  /** Runs `work` when a slot is free; throws ServerBusyError when the queue is full or the wait too long. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    const t0 = Date.now();
    try {
      return await work();
    } finally {
      this.holdMs = 0.9 * this.holdMs + 0.1 * (Date.now() - t0);
      this.release();
    }
  }

  private retryAfterSec(): number {
    const drainMs = ((this.waiting.length + 1) * this.holdMs) / this.limits.concurrency;
    return Math.min(60, Math.max(1, Math.ceil(drainMs / 1000)));
  }

  private async acquire(): Promise<void> {
    if (this.active < this.limits.concurrency && this.waiting.length === 0) {
      this.active++;
      metrics.turnsStarting.inc();
      return;
    }
    if (this.waiting.length >= this.limits.queue) {
      throw new ServerBusyError(`server is busy: ${this.waiting.length} turns are already waiting to start; retry later`, this.retryAfterSec());
    }
    await new Promise<void>((resolve, reject) => {
      const entry = () => {
        clearTimeout(timer);
        metrics.turnsQueued.dec();
        resolve();
      };
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(entry);
        if (at >= 0) {
          this.waiting.splice(at, 1);
          metrics.turnsQueued.dec();
        }
        reject(new ServerBusyError(`server is busy: the turn waited ${this.limits.maxWaitMs} ms to start; retry later`, this.retryAfterSec()));
      }, this.limits.maxWaitMs);
      this.waiting.push(entry);
      metrics.turnsQueued.inc();
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next in line
    else {
      this.active--;
      metrics.turnsStarting.dec();
    }
  }
}

/** The middleware: the rest of the route (the handler that starts the turn) runs inside a slot. */
export function admit(gate: AdmissionGate) {
  return (ctx: AppContext, next: Next) => gate.run(next);
}
