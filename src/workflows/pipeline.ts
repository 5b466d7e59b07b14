// One turn, as Coco's pipeline (coco-api.md §5.4): beginReply (which answers at once when no step comes
// first) → [intent → tools → retrieval → picking → deep read → answer]. The answering step also saves the
// reply and sends reply_end; when that failed (or in a history from before), the finalize step does.
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { AnswerInputs, FinalInput, ReplyDetail, ReplyFailure, Turn, TurnContext } from '../shared/chat';
import { ASSISTANT_ID_ATTRIBUTE } from './definitions';
import { endReply, failureOf } from './ending';
import { followUpsAfter } from './followups';
import { CANCELLED, Session } from './session';
import { analyzeIntent, answer, beginReply, deepRead, loadContext, pickDocuments, publishGivenSources, readAttachments, retrieveDocuments } from './steps';
import { useTools } from './tool-loop';
import { doing, turnStep } from './ui';

/** Runs a turn to its reply_end; gives its follow-ups (title, summary), to run beside the next turn. */
export async function runTurn(s: Session, turn: Turn, v2: boolean): Promise<(() => Promise<void>) | undefined> {
  // Only on a change: an upsert is written to the visibility store, on the way to the first token.
  if (turn.assistantId !== s.assistantAttribute || !v2) {
    upsertSearchAttributes([{ key: ASSISTANT_ID_ATTRIBUTE, value: turn.assistantId }]);
    s.assistantAttribute = turn.assistantId;
  }
  const steps: ReplyDetail[] = [];
  let result: FinalInput = CANCELLED;
  let context: TurnContext | undefined;
  try {
    const begun = v2
      ? await turnStep(s, beginReply, `begin reply${turn.ui?.model ? ` · ${turn.ui.model}` : ''}`, turn, s.conversation.forTurn(turn.historyNumber), true)
      : { context: await turnStep(s, loadContext, 'load context', turn), answer: null };
    context = begun.context;
    s.keepaliveMs = context.keepaliveMs;
    if (begun.answer) {
      result = begun.answer;
    } else {
      const inputs = await think(s, turn, context, steps);
      if ('reason' in inputs) {
        result = inputs; // the attachments were not read in time
      } else if (s.cancelRequested) {
        doing(s, 'finalize · user_cancelled');
        s.conversation.addTurn(turn.userMessageId, turn.text, await endReply(turn, CANCELLED, steps), context);
        return undefined;
      } else {
        result = await turnStep(s, answer, `answer · ${context.model.name}`, turn, context, inputs, steps);
      }
    }
  } catch (err) {
    result = failureOf(err);
  }
  // The answering step finalizes the reply itself (one round trip fewer before reply_end); a result without
  // `finalized` (that failed, or a history from before) is finalized by its own step. Replay follows the
  // recorded result, so no patch is needed.
  const finalized = 'finalized' in result && result.finalized;
  if (!finalized) doing(s, `finalize · ${result.reason}`);
  const entry = finalized ? finalized.entry : await endReply(turn, result, steps);
  s.conversation.addTurn(turn.userMessageId, turn.text, entry, context);
  if (!context || result.reason === 'error' || result.reason === 'timeout') return undefined;
  return followUpsAfter(s, turn, context, v2);
}

/**
 * The steps before the answer. Each adds its saved detail; cancel stops between steps. A turn with files
 * first waits for their text: if that takes too long, the reply ends as a timeout (Coco's
 * `attachment_processing`).
 */
async function think(s: Session, turn: Turn, ctx: TurnContext, steps: ReplyDetail[]): Promise<AnswerInputs | ReplyFailure> {
  let attachments: string | undefined;
  if (turn.attachments?.length) {
    const read = await turnStep(s, readAttachments, `read attachments · ${plural(turn.attachments.length, 'file')}`, turn);
    if ('timedOut' in read) return { reason: 'timeout', type: 'attachment_processing', error: `the attachments could not be read in time: ${read.timedOut.join(', ')}` };
    if ('cancelled' in read || s.cancelRequested) return { docIds: [], deep: false, toolsOutput: '' };
    attachments = read.section;
  }
  const inputs = await thinkSteps(s, turn, ctx, steps);
  return attachments ? { ...inputs, attachments } : inputs;
}

async function thinkSteps(s: Session, turn: Turn, ctx: TurnContext, steps: ReplyDetail[]): Promise<AnswerInputs> {
  if (turn.givenSources) {
    // AI overview: the search results came with the question.
    steps.push(await turnStep(s, publishGivenSources, `sources · ${plural(turn.givenSources.length, 'given result')}`, turn));
    return { docIds: [], deep: false, toolsOutput: '' };
  }
  let intent = null;
  if (ctx.deepThink) {
    const r = await turnStep(s, analyzeIntent, `intent · ${ctx.intentModel?.name ?? 'no model'}`, turn, ctx);
    intent = r.intent;
    if (r.detail) steps.push(r.detail);
  }
  const toolsOutput = await useTools(s, turn, ctx, intent, steps);
  const wantsSearch = ctx.search && !(ctx.pickDatasource && intent && !intent.need_network_search);
  if (!wantsSearch || s.cancelRequested) return { docIds: [], deep: false, toolsOutput };
  const scope = ctx.search?.datasourceIds.length ? plural(ctx.search.datasourceIds.length, 'datasource') : 'all datasources';
  const retrieved = await turnStep(s, retrieveDocuments, `retrieve · ${scope}`, turn, ctx, intent);
  steps.push(retrieved.detail);
  if (!ctx.deepThink || retrieved.docs.length === 0 || s.cancelRequested) {
    return { docIds: retrieved.docs.map((d) => d.id), deep: false, toolsOutput };
  }
  const picking = await turnStep(s, pickDocuments, `picking · ${plural(retrieved.docs.length, 'document')} · ${ctx.pickingModel?.name ?? ctx.model.name}`, turn, ctx, intent, retrieved.docs);
  steps.push(picking.detail);
  if (s.cancelRequested) return { docIds: [], deep: false, toolsOutput };
  const read = await turnStep(s, deepRead, `deep read · ${plural(picking.picked.length, 'document')}`, turn, picking.picked);
  steps.push(read.detail);
  return { docIds: picking.picked.map((p) => p.id), deep: true, toolsOutput };
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
