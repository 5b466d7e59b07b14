// The admission gate alone: slots, the queue in arrival order, the wait bound, and the 503's Retry-After.
import { AdmissionGate } from '../../src/api/middleware/admission';
import { ServerBusyError } from '../../src/api/errors';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

it('runs at most `concurrency` at once, queues the next ones in order, refuses beyond the queue', async () => {
  const gate = new AdmissionGate({ concurrency: 2, queue: 2, maxWaitMs: 10_000 });
  const release = [deferred(), deferred(), deferred(), deferred()];
  const started: number[] = [];
  const runs = release.map((d, i) => gate.run(async () => (started.push(i), d.promise)));
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual([0, 1]);
  expect(gate.stats).toEqual({ active: 2, waiting: 2 });

  const refused = await gate.run(async () => 'never').catch((e) => e);
  expect(refused).toBeInstanceOf(ServerBusyError);
  expect(refused.status).toBe(503);
  expect(Number(refused.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
  expect(refused.reason).toMatch(/2 turns are already waiting/);

  release[1]!.resolve();
  await new Promise((r) => setImmediate(r));
  expect(started).toEqual([0, 1, 2]);
  release[0]!.resolve();
  release[2]!.resolve();
  release[3]!.resolve();
  await Promise.all(runs);
  expect(started).toEqual([0, 1, 2, 3]);
  expect(gate.stats).toEqual({ active: 0, waiting: 0 });
});

it('a queued turn gives up after maxWaitMs with a 503, and leaves the queue', async () => {
  const gate = new AdmissionGate({ concurrency: 1, queue: 5, maxWaitMs: 100 });
  const hold = deferred();
  const first = gate.run(() => hold.promise);
  const t0 = Date.now();
  const waited = await gate.run(async () => 'late').catch((e) => e);
  expect(waited).toBeInstanceOf(ServerBusyError);
  expect(waited.reason).toMatch(/waited 100 ms/);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
  expect(gate.stats).toEqual({ active: 1, waiting: 0 });
  hold.resolve();
  await first;
  await expect(gate.run(async () => 'next')).resolves.toBe('next');
  expect(gate.stats).toEqual({ active: 0, waiting: 0 });
});

it('a failing turn frees its slot', async () => {
  const gate = new AdmissionGate({ concurrency: 1, queue: 0, maxWaitMs: 100 });
  await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(gate.run(async () => 'ok')).resolves.toBe('ok');
});
