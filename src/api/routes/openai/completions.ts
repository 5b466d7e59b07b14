// POST /v1/chat/completions: each request is a turn of a durable session. An X-Coco-Session-Id header
// continues one of the caller's sessions, else a hidden session is made for it; the response names the
// session in X-Coco-Session-Id. The last user message is the turn's text (the session holds the history),
// and the turn gets what the assistant configures: its retrieval, deep think and tools. A client that goes
// away before the reply ended cancels the turn, as POST /chat/:id/_cancel does (reply_end user_cancelled).
import type { Chat } from '../../chat';
import { relayEnded, relayReply } from '../../chat/ndjson';
import type { CheckedAssistant } from '../../chat/turns';
import type { Stored } from '../../../domain/record';
import type { User } from '../../../domain/users';
import type { TurnParams } from '../../../shared/chat';
import type { AppContext } from '../../context';
import { HttpError } from '../../errors';
import { AnswerCollector, completionMeta } from './chunks';
import { OpenAiError } from './errors';
import { CompletionBody, lastUserText, MAX_MESSAGE_CHARS, textOf } from './schema';
import { streamCompletionAsSse } from './sse';

export const SESSION_HEADER = 'X-Coco-Session-Id';

/** Everything the assistant enables: OpenAI clients cannot ask for Coco's per-request switches. */
const TURN_PARAMS: TurnParams = { search: true, deepThinking: null, mcp: true, datasource: null, mcpServers: ['*'], filters: [] };

/** The assistant as a model: a missing one (or another integration's) is OpenAI's model_not_found. */
async function checkModel(chat: Chat, user: User, model: string): Promise<CheckedAssistant> {
  try {
    return await chat.turns.check(user, model, undefined, false);
  } catch (err) {
    if (err instanceof HttpError && err.status === 404) throw new OpenAiError(404, `The model '${model}' does not exist or you do not have access to it.`, 'model', 'model_not_found');
    if (err instanceof HttpError && err.status === 400) throw new OpenAiError(400, err.reason, 'model');
    throw err;
  }
}

/** An error no client should retry: the turn was started, a retry would start another. */
function noRetry(err: OpenAiError): OpenAiError {
  err.headers = { ...err.headers, 'x-should-retry': 'false' };
  return err;
}

export function chatCompletions(chat: Chat) {
  return async (ctx: AppContext) => {
    const body = ctx.state.input as CompletionBody;
    const user = ctx.state.user as User;
    const { text } = lastUserText(body);
    if (!text) throw new OpenAiError(400, 'messages: the last user message must have text', 'messages');
    if (text.length > MAX_MESSAGE_CHARS) throw new OpenAiError(400, `messages: the last user message must be at most ${MAX_MESSAGE_CHARS} characters`, 'messages');
    const sessionId = ctx.get(SESSION_HEADER).trim();

    // Both at once; a session that is not the caller's is "not found" whatever else is wrong.
    const [found, checked] = await Promise.allSettled([sessionId ? chat.sessions.forTurn(sessionId, user) : Promise.resolve(undefined), checkModel(chat, user, body.model)]);
    if (found.status === 'rejected') throw found.reason;
    if (checked.status === 'rejected') throw checked.reason;
    const existing: Stored | undefined = found.value;
    const session = existing ?? (await chat.sessions.create(user, text, false));
    let started;
    try {
      started = await chat.turns.start({ user, session, assistant: checked.value, text, attachments: [], params: TURN_PARAMS, newSession: !existing, trace: ctx.state.trace });
    } catch (err) {
      if (!existing) await chat.sessions.remove(session._id); // nothing half-done remains
      throw err;
    }
    const { replyId, userMessage } = started;
    ctx.set(SESSION_HEADER, session._id);

    // The client going away before the reply ended stops the relay and cancels the turn.
    let ended = false;
    const gone = new AbortController();
    ctx.res.on('close', () => {
      if (ended || ctx.res.writableFinished) return;
      gone.abort();
      chat.control.cancel(session._id, userMessage._id, ctx.state.trace).catch((err: unknown) => ctx.state.log.error({ err, session_id: session._id }, 'could not cancel the turn of a client that went away'));
    });
    const meta = completionMeta(replyId, body.model);
    const promptText = body.messages.map((m) => textOf(m.content)).join('\n');

    if (body.stream) {
      streamCompletionAsSse(ctx, chat.stream, { sessionId: session._id, replyId, meta, includeUsage: body.stream_options?.include_usage === true, promptText, signal: gone.signal, onEnd: () => (ended = true) });
      return;
    }
    const answer = new AnswerCollector();
    let failure: OpenAiError | undefined;
    await relayReply(chat.stream, replyId, 0, gone.signal, (chunk) => answer.add(chunk), (how, lastSeq) => {
      const e = relayEnded(how, session._id, replyId, lastSeq, chat.stream.idleMs);
      failure = new OpenAiError(e.status, e.error.reason, null, how === 'stalled' ? 'reply_stalled' : 'reply_gap');
    });
    if (answer.finish) ended = true;
    if (failure) throw noRetry(failure);
    if (gone.signal.aborted) return; // nobody to answer
    ctx.body = answer.completion(meta, promptText);
  };
}
