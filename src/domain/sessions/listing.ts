// A session listing that does not grow with the owner's sessions. Each session is numbered, per owner, in
// the order it was created, and filed under a page key (`<owner>:<page>`, LIST_PAGE sessions a page): a
// listing reads its owner's newest pages by key, instead of asking the store for all of the owner's
// sessions and sorting them (the embedded store sorts in memory: ~1 s at 10,000 sessions). The owner's
// counters also give the total without counting. Counter updates of one owner take turns (a Redis lock):
// the embedded store's `$inc` is a read and a write, and two sessions created at once lost one count.
import { withRedisLock } from '../../infra/redis-lock';
import type { Redis } from '../../infra/redis';
import type { Models } from '../../models';
import { forEachAtOnce } from '../../shared/concurrency';
import type { Stored } from '../record';

export const LIST_PAGE = 50;
const NUMBERING_PARALLEL = 8;
/** Marks, among the owners' counters, that the sessions stored before numbering existed have been numbered. */
const ALL_NUMBERED = ':all-numbered';

interface OwnerCounters {
  numbered: number;
  listed: number;
}

const byCreatedDesc = (a: Stored, b: Stored) => new Date(b.created).getTime() - new Date(a.created).getTime() || (a._id < b._id ? -1 : 1);

export class SessionListing {
  /** `lock`: the Redis and key prefix counter updates take turns by (none: one process, as at bootstrap). */
  constructor(
    private readonly models: Models,
    private readonly lock?: { redis: Redis; prefix: string },
  ) {}

  private counted<T>(owner: string, work: () => Promise<T>): Promise<T> {
    return this.lock ? withRedisLock(this.lock.redis, `${this.lock.prefix}ownerlock:${owner}`, work) : work();
  }

  /** The page key of the owner's next session; `listed`: whether a listing shows it. */
  async nextKey(owner: string, listed: boolean): Promise<string> {
    const first = await this.reserve(owner, 1, listed ? 1 : 0);
    return pageKey(owner, first);
  }

  /** One more (or fewer) of the owner's sessions shows in listings. */
  async shown(owner: string, delta: number): Promise<void> {
    await this.counted(owner, () => this.models.SessionOwner.updateOne({ _id: owner }, { $inc: { listed: delta } }));
  }

  /** The owner's visible sessions, newest first, and how many there are. */
  async recent(owner: string, from: number, size: number): Promise<{ docs: Stored[]; total: number }> {
    const counters = (await this.models.SessionOwner.findById(owner).lean()) as OwnerCounters | null;
    if (!counters) return { docs: [], total: 0 };
    const docs: Stored[] = [];
    for (let page = Math.floor((counters.numbered - 1) / LIST_PAGE); page >= 0 && docs.length < from + size; page--) {
      const found = (await this.models.Session.find({ list_key: `${owner}:${page}` }).lean()) as Stored[];
      docs.push(...found.filter((s) => s.visible !== false).sort(byCreatedDesc));
    }
    return { docs: docs.slice(from, from + size), total: counters.listed };
  }

  /**
   * Numbers the sessions stored before sessions were numbered, once (a store that has none is marked at
   * once): each owner's, in the order they were created, after any numbers already given.
   */
  async numberOlderSessions(): Promise<number> {
    if (await this.models.SessionOwner.exists({ _id: ALL_NUMBERED })) return 0;
    const older = (await this.models.Session.find({ list_key: { $exists: false } }).select({ owner_id: 1, visible: 1, created: 1 }).lean()) as Stored[];
    const owners = new Map<string, Stored[]>();
    for (const s of older) {
      const list = owners.get(s.owner_id);
      if (list) list.push(s);
      else owners.set(s.owner_id, [s]);
    }
    for (const [owner, sessions] of owners) {
      sessions.sort((a, b) => -byCreatedDesc(a, b));
      const first = await this.reserve(owner, sessions.length, sessions.filter((s) => s.visible !== false).length);
      // One update at a time, a few at once: FerretDB runs a many-statement update (bulkWrite) far slower.
      const numbered = sessions.map((s, i) => ({ id: s._id, key: pageKey(owner, first + i) }));
      await forEachAtOnce(numbered, NUMBERING_PARALLEL, async ({ id, key }) => {
        await this.models.Session.updateOne({ _id: id }, { $set: { list_key: key } });
      });
    }
    await this.models.SessionOwner.updateOne({ _id: ALL_NUMBERED }, { $set: { numbered: older.length } }, { upsert: true });
    return older.length;
  }

  /** Reserves `count` numbers of the owner's; gives the first. */
  private async reserve(owner: string, count: number, listed: number): Promise<number> {
    const after = (await this.counted(owner, () => this.models.SessionOwner.findOneAndUpdate({ _id: owner }, { $inc: { numbered: count, listed } }, { upsert: true, returnDocument: 'after' }).lean())) as OwnerCounters;
    return after.numbered - count + 1;
  }
}

function pageKey(owner: string, number: number): string {
  return `${owner}:${Math.floor((number - 1) / LIST_PAGE)}`;
}
