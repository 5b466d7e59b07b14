// Activities are built by factories over their clients, so workers and tests choose the dependencies.
import type { Logger } from '../infra/logger';
import type { Mongo } from '../infra/mongo';
import type { Redis } from '../infra/redis';

export interface ActivityDeps {
  logger: Logger;
  mongo: Mongo;
  redis: Redis;
}

// The chat pipeline's activities (load context, answer, finalize, ...) are added with the chat-session workflow.
export function createActivities(_deps: ActivityDeps) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
