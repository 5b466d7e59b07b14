// Streaming the answer (coco-api.md §5.4 step 8). A repeated attempt (after a crash) reads what the client
// already received from the reply's log, publishes nothing twice, and asks the model to continue from that
// text in its provider's convention, dropping whatever the continuation repeats; a reply that already
// finished is returned as it was, without asking the model again.
import { Context } from '@temporalio/activity';
import type { EarlyWatch } from '../bus/cancel';
import type { AnswerInputs, AnswerResult, Turn, TurnContext } from '../shared/chat';
import { historyText } from '../shared/history';
import { metrics, secondsSince } from '../infra/metrics';
import { renderTemplate } from '../shared/template';
import { continuationRequest, SeamFilter } from './continuation';
import type { Finalizer, Opened } from './finalize';
import { textOf } from './finalize';
import { isAbort, streamChat, type ChatMessageParam } from './llm';
import { referencesFor } from './references';
import { ChatActivityDeps, currentAttempt, openPublisher, ProviderAccess, providerAccess, stepError, withHeartbeat } from './support';

/** What beginReply has read, or started reading, before the answer starts. */
export interface Early {
  access?: ProviderAccess;
  publisher?: Promise<Opened>;
  cancels?: EarlyWatch;
}

/** The answer prompt's context (coco-api.md §5.4 step 8): conversation, references, attachments, tools output. */
function answerContext(ctx: TurnContext, references: string, toolsOutput: string, attachments: string): string {
  const conversation = historyText(ctx.history, ctx.summary);
  return [
    conversation && `\nConversation:\n${conversation}\n`,
    references && `\nReferences:\n${references}\n`,
    attachments && `\nAttachments:\n${attachments}\n`,
    toolsOutput && `\nTools Output:\n${toolsOutput}\n`,
  ]
    .filter(Boolean)
    .join('');
}

function answerPrompt(ctx: TurnContext, references: string, inputs: AnswerInputs): ChatMessageParam[] {
  const toolsOutput = inputs.toolsOutput;
  const vars = {
    query: ctx.query,
    context: answerContext(ctx, references, toolsOutput, inputs.attachments ?? ''),
    history: historyText(ctx.history, ctx.summary),
    references,
    tools_output: toolsOutput,
    attachments: inputs.attachments ?? '',
  };
  return [
    { role: 'system', content: ctx.rolePrompt },
    { role: 'user', content: renderTemplate(ctx.answerTemplate, vars) },
  ];
}

export function createAnswerStreamer(deps: ChatActivityDeps, finalizer: Finalizer) {
  /**
   * Streams the answer. `early` holds what the caller has already read or started reading. Gives the
   * publisher too, so finalizing in the same step does not read the log again.
   */
  return async function streamAnswer(turn: Turn, ctx: TurnContext, inputs: AnswerInputs, early: Early = {}): Promise<{ result: AnswerResult; opened: Opened }> {
    const abort = new AbortController();
    let cancelled = false;
    const onCancel = () => {
      cancelled = true;
      abort.abort();
    };
    const watching = early.cancels ? early.cancels.watch(onCancel) : deps.cancels.watch(turn.replyId, onCancel);
    // The setup reads are independent: in parallel, as this is on the way to the first token.
    let setup: [Opened, ProviderAccess, string];
    try {
      setup = await Promise.all([
        early.publisher ?? openPublisher(deps, turn),
        early.access ?? providerAccess(deps.domain, ctx.model.providerId),
        referencesFor(deps.domain.documents, inputs.docIds, inputs.deep),
      ]);
    } catch (err) {
      (await watching.catch(() => undefined))?.();
      throw err;
    }
    const stopWatching = await watching;
    const [opened, provider, references] = setup;
    const { publisher, logged } = opened;
    const finished = await finalizer.finishedResult(turn, opened).catch((err) => {
      stopWatching();
      throw err;
    });
    if (finished) {
      stopWatching();
      deps.logger.info({ reply_id: turn.replyId, attempt: currentAttempt() }, 'the reply had finished already: not answered again');
      return { result: finished, opened };
    }
    let text = textOf(logged.chunks, 'response');
    let think = textOf(logged.chunks, 'think');
    const resumed = logged.chunks.some((c) => c.chunk_type === 'response');
    // Coco's empty marker opens the answer; the publisher keeps order, so the model need not wait for it.
    if (!resumed) void publisher.send('response', '').catch(() => undefined);

    const onTemporalCancel = () => abort.abort();
    Context.current().cancellationSignal.addEventListener('abort', onTemporalCancel);

    const prompt = answerPrompt(ctx, references, inputs);
    const request = text ? continuationRequest(provider.continuation, prompt, text) : { messages: prompt };
    const seam = text ? new SeamFilter(text) : null;
    const answerDelta = (delta: string) => {
      if (!delta) return;
      text += delta;
      return publisher.delta('response', delta);
    };

    const progress = () => ({ lastSeq: publisher.lastSeq, chars: text.length, attempt: currentAttempt() });
    // First token (from _send to its publication; a fresh answer only) and the gaps between tokens: one
    // clock read per token.
    const sentAt = resumed || think ? undefined : turn.sentAt;
    let lastTokenAt = 0;
    const tokenArrived = (published: Promise<void> | undefined) => {
      const now = performance.now();
      if (lastTokenAt > 0) metrics.tokenGap.observe((now - lastTokenAt) / 1000);
      else if (sentAt !== undefined) void published?.then(() => metrics.firstToken.observe(secondsSince(sentAt)), () => undefined);
      lastTokenAt = now;
      return published;
    };
    metrics.repliesActive.inc();
    try {
      if (!cancelled) {
        await withHeartbeat(() => streamChat({
          baseUrl: provider.baseUrl,
          apiKey: provider.apiKey,
          model: ctx.model.name,
          messages: request.messages,
          extraBody: request.extraBody,
          settings: ctx.model.settings,
          timeouts: provider.timeouts,
          signal: abort.signal,
          onDelta: (kind, delta) => {
            if (kind === 'response') return tokenArrived(answerDelta(seam ? seam.push(delta) : delta));
            think += delta;
            return tokenArrived(publisher.delta(kind, delta));
          },
        }), progress);
        if (seam) await answerDelta(seam.end());
      }
    } catch (err) {
      if (!(isAbort(err) && cancelled)) {
        await publisher.flush().catch(() => undefined);
        if (isAbort(err)) throw err; // Temporal cancelled us
        throw stepError(err);
      }
    } finally {
      metrics.repliesActive.dec();
      stopWatching();
      Context.current().cancellationSignal.removeEventListener('abort', onTemporalCancel);
    }
    await publisher.flush();
    return { result: { text, think, reason: cancelled ? 'user_cancelled' : 'completed', lastSeq: publisher.lastSeq }, opened };
  };
}
