// Attachments in chats (coco-api.md §3.4): extracting an uploaded file's text (the parse workflow's step),
// and, in a turn that names files, waiting for their text (attachment_waiting chunks meanwhile, a bound
// from when the message was sent) and shaping it into the prompt's "Attachments:" section.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { AttachmentText } from '../domain/attachments/attachments';
import { extractText } from '../domain/attachments/extract';
import type { AttachmentsRead, Turn } from '../shared/chat';
import { ChatActivityDeps, openPublisher, withHeartbeat } from './support';

/** Coco's bounds on what the prompt gets: 12 files, 4,096 characters each, 16 KB in all. */
export const PROMPT_FILES = 12;
export const PROMPT_CHARS_PER_FILE = 4096;
export const PROMPT_CHARS = 16 * 1024;
const DEFAULT_WAIT_MS = 120_000;
/** How long reading one file may take (the parse step's own bound is longer). */
const PARSE_TIME_MS = 5 * 60_000;
const POLL_MS = 250;
/** How often a waiting reply tells the client it is still waiting. */
const WAITING_EVERY_MS = 2000;

/** The running step's cancellation (undefined outside a step). */
function activityCancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

const settled = (f: AttachmentText) => f.status === 'completed' || f.status === 'failed';

/** The "Attachments:" section: each file's name and text (or why there is none), within Coco's bounds. */
export function attachmentsSection(files: AttachmentText[]): string {
  let out = '';
  for (const f of files.slice(0, PROMPT_FILES)) {
    const body =
      f.status === 'failed' ? '(this file could not be read)'
      : f.readable === false ? '(a file of a type whose text is not read)'
      : Array.from(f.text).slice(0, PROMPT_CHARS_PER_FILE).join('');
    const block = `File: ${f.name}\n${body}\n\n`;
    if (out.length + block.length > PROMPT_CHARS) {
      out += Array.from(block).slice(0, PROMPT_CHARS - out.length).join('');
      break;
    }
    out += block;
  }
  return out.trimEnd();
}

export function createAttachmentActivities(deps: ChatActivityDeps) {
  const { attachments } = deps.domain;
  const waitMs = deps.attachmentWaitMs ?? DEFAULT_WAIT_MS;

  return {
    /**
     * Reads one file's text. A file that cannot be read (corrupt, encrypted) is marked failed at once: no
     * retry changes its bytes. Anything else (the store unreachable, the worker gone) is retried by Temporal.
     */
    async extractAttachment(id: string): Promise<void> {
      const file = await attachments.beginParse(id);
      if (!file) return; // deleted before it was parsed
      const bytes = await file.bytes();
      // Stopped when Temporal cancels the step (a stopping worker: retried elsewhere) or past the bound (failed).
      const cancelled = activityCancellation();
      const signal = AbortSignal.any([AbortSignal.timeout(PARSE_TIME_MS), ...(cancelled ? [cancelled] : [])]);
      let outcome;
      try {
        const read = await withHeartbeat(() => extractText(bytes, file.name, file.mime, { signal }));
        outcome = read.readable ? { readable: true, text: read.text } : { readable: false, text: '' };
      } catch (err) {
        if (cancelled?.aborted) throw err;
        outcome = { error: signal.aborted ? `reading the file took longer than ${PARSE_TIME_MS / 60_000} minutes` : (err as Error).message };
      }
      await attachments.finishParse(id, outcome);
      deps.logger.info({ attachment_id: id, outcome: 'error' in outcome ? 'failed' : 'completed' }, 'attachment parsed');
    },

    /** The parse gave up after its retries: no turn waits for this file any longer. */
    async markAttachmentFailed(id: string, reason: string): Promise<void> {
      await attachments.finishParse(id, { error: reason });
    },

    /**
     * Waits until the turn's files are parsed, sending `attachment_waiting` chunks meanwhile; gives their
     * text, or the files still unread when the bound (from when the message was sent, so a retried step
     * does not wait again) passed, or that the user cancelled.
     */
    async readAttachments(turn: Turn): Promise<AttachmentsRead> {
      const ids = turn.attachments ?? [];
      const deadline = (turn.sentAt ?? Date.now()) + waitMs;
      let cancelled = false;
      const stopWatching = await deps.cancels.watch(turn.replyId, () => {
        cancelled = true;
      });
      try {
        return await withHeartbeat(async () => {
          // Polls the files' states only; their text (up to a million characters each) is read once, at the end.
          let files = await attachments.texts(ids, false);
          let told = 0;
          let opened: ReturnType<typeof openPublisher> | undefined;
          while (!files.every(settled)) {
            if (cancelled) return { cancelled: true };
            const waiting = files.filter((f) => !settled(f));
            if (Date.now() >= deadline) return { timedOut: waiting.map((f) => f.name) };
            if (Date.now() - told >= WAITING_EVERY_MS) {
              told = Date.now();
              const { publisher } = await (opened ??= openPublisher(deps, turn));
              await publisher.send('attachment_waiting', JSON.stringify({ waiting: waiting.map((f) => ({ id: f.id, name: f.name, initial_parsing: f.status })) }));
              await publisher.flush();
            }
            await sleep(POLL_MS);
            files = await attachments.texts(ids, false);
          }
          return { section: attachmentsSection(await attachments.texts(ids)) };
        });
      } finally {
        stopWatching();
      }
    },
  };
}
