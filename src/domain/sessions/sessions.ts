// Chat sessions: created for their owner, read only by them (anyone else's is "not found"), renamed,
// opened and closed, deleted with their messages, listed; and what follow-up steps keep on them (title,
// summary). What a turn checks of a session (owner, status) is cached by a version bumped on every change.
import type { Redis } from '../../infra/redis';
import { withRedisLock } from '../../infra/redis-lock';
import { bumpVersion, VersionedCache } from '../../infra/versioned-cache';
import type { VersionKeys } from '../../infra/versions';
import type { Models } from '../../models';
import { randomId } from '../../shared/ids';
import { esResponse, runSearch, type EsResponse } from '../../search/execute';
import type { EsBody } from '../../search/query-string';
import { InvalidInput, NotFound } from '../errors';
import type { Stored } from '../record';
import type { User } from '../users';
import { isAdmin } from '../access';
import { SessionListing } from './listing';
import { sessionOverview, type SessionOverviewPage } from './overview';
import type { Messages } from './messages';
import { SESSION_SEARCH_FIELDS, SessionStatus, SessionSummary } from './records';

export interface SessionUpdate {
  title?: string;
  context?: { attachments: string[] };
}

export class Sessions {
  private readonly forTurns: VersionedCache<Stored>;
  readonly listing: SessionListing;

  constructor(
    private readonly models: Models,
    private readonly redis: Redis,
    private readonly versions: VersionKeys,
    private readonly messages: Messages,
    private readonly redisPrefix: string,
  ) {
    this.forTurns = new VersionedCache(redis, versions.session, async (id) => (await models.Session.findById(id).select({ owner_id: 1, status: 1, context: 1 }).lean()) as Stored | null);
    this.listing = new SessionListing(models, { redis, prefix: redisPrefix });
  }

  async create(user: User, title: string, visible: boolean): Promise<Stored> {
    const list_key = await this.listing.nextKey(user.id, visible);
    const doc = await this.models.Session.create({ _id: randomId(), title: title.slice(0, 50), status: 'active', visible, owner_id: user.id, list_key, last_activity: new Date() });
    return doc.toObject() as Stored;
  }

  /** Opens the session again, and shows it in listings (a session an `_ask` created was hidden). */
  async open(session: Stored): Promise<void> {
    await this.setStatus(session._id, 'active', { visible: true });
    if (session.visible === false && session.list_key) await this.listing.shown(session.owner_id, 1);
  }

  async find(id: string): Promise<Stored | null> {
    return (await this.models.Session.findById(id).lean()) as Stored | null;
  }

  /** The caller's session. Someone else's is reported as missing: its existence is not theirs to learn. */
  async loadOwn(id: string, user: User): Promise<Stored> {
    const session = await this.find(id);
    if (!session || session.owner_id !== user.id) throw new NotFound('session', id);
    return session;
  }

  /** The caller's session as a turn needs it (id, owner, status), cached: it is on the way to every first token. */
  async forTurn(id: string, user: User): Promise<Stored> {
    const session = await this.forTurns.get(id);
    if (!session || session.owner_id !== user.id) throw new NotFound('session', id);
    return session;
  }

  /** Changes a session's status (and other fields with it); turns see it at their next check. */
  async setStatus(id: string, status: SessionStatus, more: Record<string, unknown> = {}): Promise<void> {
    await this.write(id, { status, ...more });
    await bumpVersion(this.redis, this.versions.session(id));
  }

  /** A new title (the session then keeps it: no generated title replaces it) or context. */
  async update(id: string, input: SessionUpdate): Promise<void> {
    const set: Record<string, unknown> = {};
    if (input.title !== undefined && input.title.trim() !== '') {
      set.title = input.title.trim();
      set.manually_renamed_title = true;
    }
    if (input.context) set.context = input.context;
    if (Object.keys(set).length === 0) throw new InvalidInput('no changes found: send a non-empty "title" or a "context"');
    await this.write(id, set);
    // Turns read the context's attachments from the cached copy.
    if (input.context) await bumpVersion(this.redis, this.versions.session(id));
  }

  /** Deletes a session and its messages. */
  async remove(id: string): Promise<void> {
    const session = await this.find(id);
    await this.messages.deleteOfSession(id);
    await this.models.Session.deleteOne({ _id: id });
    await bumpVersion(this.redis, this.versions.session(id));
    if (session?.list_key && session.visible !== false) await this.listing.shown(session.owner_id, -1);
  }

  /**
   * The user's visible sessions, newest first unless the query sorts. A plain listing (no text, no sort)
   * reads only the pages it shows (./listing); anything else is a search over the user's sessions.
   */
  async search(user: User, qs: EsBody): Promise<EsResponse<Stored>> {
    if (!qs.query && qs.sort === undefined) {
      const started = Date.now();
      const { docs, total } = await this.listing.recent(user.id, qs.from ?? 0, qs.size ?? 20);
      return esResponse(SESSION_SEARCH_FIELDS.index, docs, docs.map((d) => d._id), total, started);
    }
    const scope = { bool: { filter: [{ term: { owner_id: user.id } }], must_not: [{ term: { visible: false } }] } };
    const clauses = [...(qs.query ? [qs.query] : []), scope];
    const request = { clauses, from: qs.from ?? 0, size: qs.size ?? 20, defaultSort: { created: -1 as const } };
    return runSearch(this.models.Session, { ...SESSION_SEARCH_FIELDS, hidden: [] }, request, (d) => d as Stored);
  }

  /** The Sessions page: an admin's shows every user's sessions, anyone else's only their own (./overview). */
  async overview(viewer: User, from: number, size: number): Promise<SessionOverviewPage> {
    return sessionOverview(this.models, isAdmin(viewer.roles) ? undefined : viewer.id, from, size);
  }

  async summaryOf(id: string): Promise<SessionSummary | null> {
    const s = (await this.models.Session.findById(id).lean()) as { summary?: string; summary_until?: Date | null } | null;
    return s && { summary: s.summary ?? '', until: s.summary_until ?? null };
  }

  /** Whether a generated title may still be written: not renamed by the user, none generated yet. */
  async wantsTitle(id: string): Promise<boolean> {
    const s = (await this.models.Session.findById(id).lean()) as { manually_renamed_title?: boolean; title_generated?: boolean } | null;
    return !!s && !s.manually_renamed_title && !s.title_generated;
  }

  /** Writes a generated title, unless the user renamed the session meanwhile. */
  async setGeneratedTitle(id: string, title: string): Promise<void> {
    await this.write(id, { title, title_generated: true }, { manually_renamed_title: { $ne: true } });
  }

  async setSummary(id: string, summary: string, until: Date): Promise<void> {
    await this.write(id, { summary, summary_until: until });
  }

  /** The session's last activity (a reply was saved): the Sessions page lists the most recent first (./overview). */
  async touchActivity(id: string, at: Date): Promise<void> {
    await this.write(id, { last_activity: at }, {}, { timestamps: false });
  }

  /**
   * One write of a session's document at a time. FerretDB 1.x applies `$set` by reading the document and
   * writing it back whole, so two writes at once lose one: a rename lost to a generated title written in the
   * same moment (seen in chat-control.test.ts), a status lost to a reply's activity time.
   */
  private write(id: string, set: Record<string, unknown>, filter: Record<string, unknown> = {}, options: Record<string, unknown> = {}): Promise<unknown> {
    return withRedisLock(this.redis, `${this.redisPrefix}sessionlock:${id}`, () => this.models.Session.updateOne({ _id: id, ...filter }, { $set: set }, options).exec());
  }
}
