// Work after reply_end, beside the next turn: the session's title and the history summary, each only when
// it may be due (the conversation tells when it surely is not; the steps check again). Failures are
// logged by Temporal, never fatal.
import type { Turn, TurnContext } from '../shared/chat';
import { compressHistory, generateTitle } from './steps';
import type { Session } from './session';
import { step } from './ui';

/** The follow-ups of a finished turn, decided now, while the conversation ends with it. */
export function followUpsAfter(s: Session, turn: Turn, ctx: TurnContext, v2: boolean): () => Promise<void> {
  const wanted = v2
    ? { title: s.conversation.mayBeFirstTurn(), surelyFirst: s.conversation.isFirstTurn(), summary: ctx.compression.enabled && s.conversation.mayExceed(ctx.compression.threshold) }
    : { title: true, surelyFirst: false, summary: true };
  return async () => {
    const [, summary] = await Promise.all([
      wanted.title ? step(generateTitle, `title · ${ctx.model.name}`, turn, ctx, wanted.surelyFirst).catch(() => null) : null,
      wanted.summary ? step(compressHistory, `history summary · ${ctx.model.name}`, turn, ctx).catch(() => null) : null,
    ]);
    // (Before this version the summary step answered a boolean.)
    if (summary && typeof summary === 'object') s.conversation.summarised(summary.summary, summary.untilId);
  };
}
