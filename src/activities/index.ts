// Activities are built by factories over their clients, so workers and tests choose the dependencies.
import type { CancelWatcher } from '../bus/cancel';
import type { BusKeys } from '../bus/keys';
import type { PublisherOptions } from '../bus/publisher';
import type { Logger } from '../infra/logger';
import type { Models } from '../models';
import type { Redis } from '../infra/redis';
import { createChatActivities } from './chat';

export interface ActivityDeps {
  logger: Logger;
  models: Models;
  redis: Redis;
  keys: BusKeys;
  cancels: CancelWatcher;
  publisher: PublisherOptions;
}

export function createActivities(deps: ActivityDeps) {
  return { ...createChatActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
