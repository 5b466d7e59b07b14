// Assistants: their records (built-ins protected), and the cached copies chats read: the API checking a
// turn and the worker loading its context both go through a cache keyed by a version bumped on every change.
import type { Redis } from '../../infra/redis';
import { bumpVersion, VersionedCache } from '../../infra/versioned-cache';
import type { VersionKeys } from '../../infra/versions';
import type { Models } from '../../models';
import { builtinRules, changedId, RecordStore, Stored } from '../record';
import { ASSISTANT_SEARCH_FIELDS, assistantToStored, assistantView, LoadedAssistant, loadedAssistantView } from './records';
import type { AssistantInput } from './schema';

export class Assistants {
  readonly store: RecordStore<AssistantInput>;
  /** Assistants as chats read them: cached, re-read when their version moves. */
  private readonly cache: VersionedCache<Stored>;

  constructor(
    private readonly models: Models,
    private readonly redis: Redis,
    private readonly versions: VersionKeys,
  ) {
    this.cache = new VersionedCache(redis, versions.assistant, async (id) => (await models.Assistant.findById(id).lean()) as Stored | null);
    const { builtinOf, ...protections } = builtinRules<AssistantInput>({ rename: 'Built-in assistant cannot be renamed', remove: 'Built-in assistant cannot be deleted' });
    this.store = new RecordStore<AssistantInput>({
      what: 'assistant',
      model: models.Assistant,
      search: ASSISTANT_SEARCH_FIELDS,
      toStored: (input, existing) => ({ ...assistantToStored(input), builtin: builtinOf(existing) }),
      view: loadedAssistantView,
      hitView: assistantView,
      ...protections,
      afterChange: async (before, after) => this.touch(changedId(before, after)),
    });
  }

  /** An assistant changed (or went): API instances and workers read it again. */
  async touch(assistantId: string): Promise<void> {
    if (assistantId) await bumpVersion(this.redis, this.versions.assistant(assistantId));
  }

  /** A copy under a new id, named `<name>_copy`, never built-in. */
  async clone(id: string): Promise<Stored> {
    const source = await this.store.load(id);
    const { _id: _sourceId, created: _created, updated: _updated, ...fields } = source;
    const copy = await this.models.Assistant.create({ ...fields, name: `${source.name}_copy`, builtin: false });
    return copy.toObject() as Stored;
  }

  count(): Promise<number> {
    return this.models.Assistant.countDocuments({});
  }

  /** As stored, with the version it was read at (a worker given that version trusts its cached copy). */
  getVersioned(id: string, knownVersion?: string): Promise<{ value: Stored | null; version: string }> {
    return this.cache.getVersioned(id, knownVersion);
  }

  /** The assistant with its defaults applied, as a chat reads it; null when it does not exist. */
  async loadForChat(id: string, knownVersion?: string): Promise<LoadedAssistant | null> {
    const stored = await this.cache.get(id, knownVersion);
    return stored ? (loadedAssistantView(stored) as unknown as LoadedAssistant) : null;
  }
}
