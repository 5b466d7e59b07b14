// Activities are built by factories over their clients, so workers and tests choose the dependencies.
import { createAttachmentActivities } from './attachments';
import { createChatActivities } from './chat';
import { createContextActivities } from './context';
import { createFollowupActivities } from './followups';
import { createPipelineActivities } from './pipeline';
import { createToolActivities } from './tools';
import type { ChatActivityDeps } from './support';

export type ActivityDeps = ChatActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createContextActivities(deps),
    ...createPipelineActivities(deps),
    ...createToolActivities(deps),
    ...createChatActivities(deps),
    ...createFollowupActivities(deps),
    ...createAttachmentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
