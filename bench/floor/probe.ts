// Runs the floor workflow (./workflow.ts) on a worker and task queue of its own, beside the server's, and
// times one update → activity start at a time.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { floorTurn } from './workflow';

export interface FloorProbe {
  /** ms from sending the update to the activity's start. */
  sample(): Promise<number>;
  close(): Promise<void>;
}

export async function startFloorProbe(address: string): Promise<FloorProbe> {
  const taskQueue = `bench-floor-${randomBytes(3).toString('hex')}`;
  const started = new Map<string, (at: number) => void>();
  const native = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowsPath: require.resolve('./workflow'),
    activities: {
      async floorStep(id: string) {
        started.get(id)?.(performance.now());
      },
    },
  });
  const running = worker.run();
  // The server's API sends its updates over the SDK's native connection too (src/infra/temporal.ts).
  const client = new Client({ connection: native });
  const handle: WorkflowHandle = await client.workflow.start('floorSession', { taskQueue, workflowId: taskQueue });
  let n = 0;
  return {
    async sample() {
      const id = String(++n);
      const at = new Promise<number>((resolve) => started.set(id, resolve));
      const t0 = performance.now();
      await handle.executeUpdate(floorTurn, { args: [id] });
      const t1 = await at;
      started.delete(id);
      return t1 - t0;
    },
    async close() {
      await handle.terminate().catch(() => undefined);
      worker.shutdown();
      await running.catch(() => undefined);
      await native.close();
    },
  };
}
