// What an operator sees of a session in the Temporal UI besides its history: the workflow's current
// details (what it does now: idle since when, which step of which turn, turns queued) and a one-line
// summary on each step and timer (`answer · deepseek-chat`, `tool · calculator`, `keepalive · 30 min`).
// Labels hold ids, names and counts only; a message's first words only when its turn allows it
// (COCO_UI_SUMMARY_TEXT). Plain, deterministic code: the time is the workflow's, nothing is read. The
// details are no command (the UI reads them with a query) and summaries are metadata on commands that
// replay does not compare, so histories recorded before replay as they did.
import { type ActivityFunction, type ActivityFunctionWithOptions, setCurrentDetails } from '@temporalio/workflow';
import type { Turn } from '../shared/chat';
import { escapeMarkdown, oneLine } from '../shared/text';

/** What the details read of a session (./session's Session; named here so the two modules import no cycle). */
export interface Session {
  current: Turn | null;
  closing: boolean;
  turnsDone: number;
  followUpsRunning: number;
  readonly queue: readonly unknown[];
  /** What the running turn does now, and since when the session waits (workflow time). */
  doing: string | null;
  idleSince: number | null;
}

/** Summaries are single lines; the UI cuts long ones anyway. */
const SUMMARY_CHARS = 120;
/** The first words of a message, when its turn allows them. */
const FIRST_WORDS_CHARS = 60;

/** A summary line: one line of at most SUMMARY_CHARS. */
const summaryLine = (text: string) => oneLine(text, SUMMARY_CHARS);

/** The turn's first words, if its sender's settings let the UI show message text; else undefined. */
export function firstWords(turn: Turn): string | undefined {
  return turn.ui?.text ? oneLine(turn.text, FIRST_WORDS_CHARS) : undefined;
}

/** Runs a step (an activity) with its summary in the UI. */
export function step<F extends ActivityFunction>(fn: ActivityFunctionWithOptions<F>, summary: string, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> {
  return fn.executeWithOptions({ summary: summaryLine(summary) }, args);
}

/** Runs a step of the session's running turn: the workflow's details say so meanwhile. */
export function turnStep<F extends ActivityFunction>(s: Session, fn: ActivityFunctionWithOptions<F>, summary: string, ...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> {
  doing(s, summary);
  return step(fn, summary, ...args);
}

/** The running turn is at this step now (shown until the next one). */
export function doing(s: Session, what: string) {
  s.doing = summaryLine(what);
  showDetails(s);
}

/** The session waits for a turn from now on. */
export function idle(s: Session) {
  s.doing = null;
  s.idleSince = Date.now();
  showDetails(s);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A workflow time as `2025-05-01 12:03:09 UTC`. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** A duration as the UI's summaries say it: `30 min`, `5 s`, `2 h`. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000} min`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The workflow's current details (markdown): what it does now, turns queued, follow-ups running. */
export function detailsOf(s: Session): string {
  const lines: string[] = [];
  const turn = s.current;
  if (turn) {
    lines.push(`**turn ${s.turnsDone + 1}**: ${escapeMarkdown(s.doing ?? 'starting')}`);
    const words = firstWords(turn);
    if (words) lines.push(`> ${escapeMarkdown(words)}`);
  } else if (s.closing) {
    lines.push('**closing**: ending its last turn');
  } else {
    lines.push(`**idle** since ${s.idleSince === null ? 'the run started' : formatTime(s.idleSince)} · ${s.turnsDone} turn${s.turnsDone === 1 ? '' : 's'} done`);
  }
  if (s.queue.length > 0) lines.push(`queued turns: ${s.queue.length}`);
  if (s.followUpsRunning > 0) lines.push('follow-ups running (title, history summary)');
  return lines.join('\n\n');
}

/** Sets the workflow's current details from the session's state. */
export function showDetails(s: Session) {
  setCurrentDetails(detailsOf(s));
}
