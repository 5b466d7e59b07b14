// The sessions overview of the admin UI's Sessions page: one page of sessions (an admin's: everyone's; anyone
// else's: their own), the most recently active first, each with its owner, how many turns it had (user
// messages) and when its latest message was written. The counts and times are read for the page's sessions
// only, with equality queries on the indexed `session_id` (a few at once): the embedded store serves an
// equality from its lookup index but reads the whole table for `$in` (and its `$group` has no `$max`), so
// one `$in` aggregation over the page's ids would cost as much as the store's every message.
import type { Models } from '../../models';
import { forEachAtOnce } from '../../shared/concurrency';
import type { Stored } from '../record';

/** The most sessions one page shows. */
export const OVERVIEW_MAX_SIZE = 100;
/** How deep a listing may page (as the searches: from + size stays within it). */
export const OVERVIEW_MAX_WINDOW = 10_000;
/** Sessions whose counts are read at once. */
const PER_SESSION_PARALLEL = 8;

export interface SessionOverviewRow {
  id: string;
  title: string;
  status: string;
  /** false: the session is hidden from its owner's listings (an `_ask` session not opened since). */
  visible: boolean;
  owner: { id: string; username: string; name: string };
  created: Date;
  updated: Date;
  /** User messages of the session. */
  turns: number;
  /** When its latest message was written; null: none yet. */
  lastActivity: Date | null;
}

export interface SessionOverviewPage {
  total: number;
  sessions: SessionOverviewRow[];
}

/**
 * One page of sessions, newest activity first: ordered by the session's `last_activity`, set when it is
 * created and whenever a reply is saved (`Messages.saveReply`); sessions stored before it existed come
 * last, newest first. `ownerId` undefined: every user's.
 */
export async function sessionOverview(models: Models, ownerId: string | undefined, from: number, size: number): Promise<SessionOverviewPage> {
  const filter = ownerId === undefined ? {} : { owner_id: ownerId };
  const fields = { title: 1, status: 1, visible: 1, owner_id: 1, created: 1, updated: 1 };
  const [docs, total] = await Promise.all([
    models.Session.find(filter).select(fields).sort({ last_activity: -1, created: -1, _id: -1 }).skip(from).limit(size).lean() as Promise<Stored[]>,
    models.Session.countDocuments(filter),
  ]);
  const owners = await ownersOf(models, [...new Set(docs.map((d) => String(d.owner_id)))]);
  const activity = new Map<string, { turns: number; last: Date | null }>();
  await forEachAtOnce(docs, PER_SESSION_PARALLEL, async (d) => {
    const [turns, latest] = await Promise.all([
      models.ChatMessage.countDocuments({ session_id: d._id, type: 'user' }),
      models.ChatMessage.findOne({ session_id: d._id }).select({ created: 1 }).sort({ created: -1 }).lean() as Promise<{ created?: Date } | null>,
    ]);
    activity.set(d._id, { turns, last: latest?.created ?? null });
  });
  return {
    total,
    sessions: docs.map((d) => {
      const owner = owners.get(String(d.owner_id));
      const a = activity.get(d._id);
      return {
        id: d._id,
        title: typeof d.title === 'string' ? d.title : '',
        status: d.status === 'closed' ? 'closed' : 'active',
        visible: d.visible !== false,
        owner: { id: String(d.owner_id), username: owner?.username ?? '', name: owner?.name ?? '' },
        created: d.created,
        updated: d.updated,
        turns: a?.turns ?? 0,
        lastActivity: a?.last ?? null,
      };
    }),
  };
}

/** Usernames and names of the page's owners (nothing else of the user records), one lookup by id each. */
async function ownersOf(models: Models, ids: string[]): Promise<Map<string, { username: string; name: string }>> {
  const owners = new Map<string, { username: string; name: string }>();
  await forEachAtOnce(ids, PER_SESSION_PARALLEL, async (id) => {
    const u = (await models.User.findById(id).select({ username: 1, name: 1 }).lean()) as { username?: string; name?: string } | null;
    if (u) owners.set(id, { username: u.username ?? '', name: u.name ?? '' });
  });
  return owners;
}
