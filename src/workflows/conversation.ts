// The conversation as a session's workflow knows it (see Conversation in shared/chat): each finished turn
// adds its user message and its saved reply; a history summary drops the turns it folded in. Plain,
// deterministic code: it lives in workflow state and is carried over continue-as-new.
import type { Conversation, HistoryEntry, TurnContext } from '../shared/chat';
import { HISTORY_TEXT_LIMIT, historyEntry } from '../shared/history';

/** Entries kept (50 turns); a longer history than that is read from the database. */
export const MAX_ENTRIES = 100;

export class ConversationWindow {
  private known: Conversation | undefined;

  constructor(from?: Conversation) {
    this.known = from && { ...from, entries: [...from.entries] };
  }

  /** What a turn may use as its history, if anything is known yet. */
  get current(): Conversation | undefined {
    return this.known;
  }

  /**
   * Adds a finished turn. Before anything is known, the history its context read (the latest messages
   * after the summary) seeds the window; without that, nothing is known and the next turn reads.
   */
  addTurn(userMessageId: string, text: string, reply: HistoryEntry | undefined, context?: TurnContext) {
    if (!reply) {
      // A finalize result from before this version carries no entry: what was said is no longer known.
      this.known = undefined;
      return;
    }
    if (!this.known) {
      if (!context || context.history.some((e) => !e.id)) return;
      // Ids are xids, ordered by creation: a message sent after this turn (a queued turn's, already saved
      // when the history was read) is left for its own turn to add.
      const before = context.history.filter((e) => e.id! < userMessageId);
      this.known = { entries: before, summary: context.summary, complete: context.historyComplete === true };
    }
    this.known.entries.push(historyEntry(userMessageId, 'user', text), reply);
    if (this.known.entries.length > MAX_ENTRIES) {
      this.known.entries.splice(0, this.known.entries.length - MAX_ENTRIES);
      this.known.complete = false;
    }
  }

  /**
   * What a turn needs of it: its last `number` entries (the assistant's history size, when known). The
   * window is an activity input, written to the workflow history at every turn, so it is kept to that.
   */
  forTurn(number?: number): Conversation | undefined {
    if (!this.known || number === undefined || this.known.entries.length <= number) return this.known;
    return { entries: number > 0 ? this.known.entries.slice(-number) : [], summary: this.known.summary, complete: false };
  }

  /** False when this surely is not the session's first turn (the title is written after the first). */
  mayBeFirstTurn(): boolean {
    return !this.known || (this.known.complete && this.known.entries.length <= 2);
  }

  /** True when this surely is the session's first turn: every message is known, and there is one turn. */
  isFirstTurn(): boolean {
    return !!this.known && this.known.complete && this.known.entries.length <= 2;
  }

  /**
   * False when the history after the summary, measured as the summary step measures it, fits the
   * threshold: every message is known and none was cut. (A message sent meanwhile counts at the next turn.)
   */
  mayExceed(threshold: number): boolean {
    if (!this.known?.complete || this.known.entries.some((e) => e.text.length > HISTORY_TEXT_LIMIT)) return true;
    const length = this.known.entries.reduce((n, e) => n + e.role.length + 2 + e.text.length, 0) + 2 * Math.max(0, this.known.entries.length - 1);
    return length > threshold;
  }

  /** Messages that no longer exist (a withdrawn turn's) leave the window. */
  forget(ids: string[]) {
    if (this.known) this.known.entries = this.known.entries.filter((e) => !e.id || !ids.includes(e.id));
  }

  /** A new summary covers the messages up to `untilId`: they leave the window. */
  summarised(summary: string, untilId: string) {
    if (!this.known) return;
    const at = this.known.entries.findIndex((e) => e.id === untilId);
    this.known.entries.splice(0, at + 1);
    this.known.summary = summary;
  }
}
