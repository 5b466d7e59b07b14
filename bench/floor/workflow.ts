// The bench's Temporal floor: the smallest workflow shaped like a chat session. An update queues a turn,
// the loop wakes and runs one activity for it. Nothing else, so the time from the update to the
// activity's start is what Temporal itself costs a turn on this machine.
import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

export const floorTurn = defineUpdate<string, [string]>('floorTurn');
const { floorStep } = proxyActivities<{ floorStep(id: string): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function floorSession(): Promise<void> {
  const queue: string[] = [];
  setHandler(floorTurn, (id) => {
    queue.push(id);
    return id;
  });
  for (;;) {
    await condition(() => queue.length > 0);
    await floorStep(queue.shift()!);
  }
}
