// Assistants as chats read them (the API checking a turn, a worker loading its context): cached by a
// version the API bumps after every change (infra/versioned-cache).
import type { BusKeys } from '../../../bus/keys';
import type { Redis } from '../../../infra/redis';
import { bumpVersion, VersionedCache } from '../../../infra/versioned-cache';
import type { Models } from '../../../models';
import type { Stored } from '../resource';

export type AssistantCache = VersionedCache<Stored>;

export function assistantCache(models: Models, redis: Redis, keys: BusKeys): AssistantCache {
  return new VersionedCache(redis, keys.assistantVersion, async (id) => (await models.Assistant.findById(id).lean()) as Stored | null);
}

/** An assistant changed (or went): the API instances and workers read it again. */
export async function touchAssistant(redis: Redis, keys: BusKeys, assistantId: string): Promise<void> {
  if (assistantId) await bumpVersion(redis, keys.assistantVersion(assistantId));
}
