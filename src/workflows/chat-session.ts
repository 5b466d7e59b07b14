// One workflow per chat session. It queues turns sent by the `sendMessage` update (./handlers) and runs
// each as a pipeline of activities (./pipeline); tokens flow through Redis, never through workflow
// history. Follow-ups (./followups) run beside the next turn; after many turns the run continues as new
// (./continue-as-new). Idle for the assistant's keepalive, it completes; the next send starts it again.
import { allHandlersFinished, condition, patched } from '@temporalio/workflow';
import type { ChatSessionInput, ChatSessionState } from '../shared/chat';
import { continueAsNewDue, continueAsNewWhenQuiet, handOverWithQueue, mustHandOverNow } from './continue-as-new';
import { endReply } from './ending';
import { registerHandlers } from './handlers';
import { runTurn } from './pipeline';
import { CANCELLED, Session, SESSION_V2_PATCH } from './session';
import { doing, formatDuration, idle } from './ui';

export async function chatSession(input: ChatSessionInput): Promise<ChatSessionState> {
  const s = new Session(input);
  registerHandlers(s);

  idle(s);
  for (;;) {
    const woke = await condition(() => s.queue.length > 0 || s.closing || s.withdrawn.length > 0, s.keepaliveMs, {
      summary: `keepalive · the run ends after ${formatDuration(s.keepaliveMs)} idle`,
    });
    if (!woke) break; // idle for the keepalive: done until the next send
    if (s.withdrawn.length > 0) {
      await s.discardWithdrawn();
      continue;
    }
    if (mustHandOverNow(s)) await handOverWithQueue(s);
    const turn = s.queue.shift();
    if (!turn) break; // closing with nothing queued
    s.current = turn;
    s.cancelRequested = false;
    doing(s, 'starting');
    const v2 = patched(SESSION_V2_PATCH);
    let followUp: (() => Promise<void>) | undefined;
    if (s.closing) {
      // Queued behind a close: answered as cancelled.
      doing(s, 'finalize · user_cancelled (the session is closing)');
      s.conversation.addTurn(turn.userMessageId, turn.text, await endReply(turn, CANCELLED, []));
    } else {
      followUp = await runTurn(s, turn, v2);
    }
    s.current = null;
    // Follow-ups run beside the next turn; they only have to end before this run does. A withdrawn turn has none.
    if (s.withdrawn.some((w) => w.replyId === turn.replyId)) followUp = undefined;
    if (followUp) s.chainFollowUp(followUp);
    s.turnsDone++;
    s.turnsThisRun++;
    idle(s);
    if (continueAsNewDue(s)) await continueAsNewWhenQuiet(s, v2);
  }
  await s.followUps;
  await condition(allHandlersFinished);
  await s.discardWithdrawn();
  return s.state();
}
