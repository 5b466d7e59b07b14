// Activities are built by factories over their clients, so workers and tests choose the dependencies.
import { createAttachmentActivities } from './attachments';
import { createChatActivities } from './chat';
import { createContextActivities } from './context';
import { createFollowupActivities } from './followups';
import { createPipelineActivities } from './pipeline';
import { createToolActivities } from './tools';
import type { ChatActivityDeps } from './support';
import { metrics } from '../infra/metrics';

export type ActivityDeps = ChatActivityDeps;

/** Each step's duration, by its name and outcome (coco_step_duration_seconds). */
function timed<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const out: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [step, fn] of Object.entries(activities)) {
    out[step] = async (...args) => {
      const end = metrics.stepDuration.startTimer({ step });
      try {
        const result = await fn(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (err) {
        end({ outcome: 'error' });
        throw err;
      }
    };
  }
  return out as T;
}

export function createActivities(deps: ActivityDeps) {
  return timed({
    ...createContextActivities(deps),
    ...createPipelineActivities(deps),
    ...createToolActivities(deps),
    ...createChatActivities(deps),
    ...createFollowupActivities(deps),
    ...createAttachmentActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
