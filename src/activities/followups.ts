// Work after reply_end, never delaying it: the session's LLM title, and history compression.
import type { Turn, TurnContext } from '../shared/chat';
import { ChatActivityDeps, completeWithModel } from './support';

export const TITLE_PROMPT = `Write a short title (at most 8 words) for this conversation, in the language of the user's message.
Reply with the title only, without quotes or punctuation at the end.`;

export const SUMMARY_PROMPT = `Update the running summary of a conversation with the new turns below. Keep every fact, decision,
name and number the user may refer to later; drop small talk. Reply with the updated summary only, at most 300 words.`;

/** Turns kept verbatim after a compression; older ones live on in the summary. */
const KEEP_VERBATIM = 2;

export function createFollowupActivities(deps: ChatActivityDeps) {
  const { domain } = deps;
  return {
    /**
     * After the session's first reply, an LLM title, unless the user renamed the session. `surelyFirst`:
     * the workflow knows every message and this was the first turn, so nothing needs counting (only
     * sessions whose history the workflow does not hold, from earlier versions, count their replies).
     */
    async generateTitle(turn: Turn, ctx: TurnContext, surelyFirst = false): Promise<string | null> {
      if (!(await domain.sessions.wantsTitle(turn.sessionId))) return null;
      if (!surelyFirst && (await domain.messages.countReplies(turn.sessionId)) !== 1) return null;
      const reply = await domain.messages.find(turn.replyId);
      const transcript = `user: ${turn.text.slice(0, 2000)}\n\nassistant: ${(reply?.message ?? '').slice(0, 2000)}`;
      const raw = await completeWithModel(deps, ctx.model, [
        { role: 'system', content: TITLE_PROMPT },
        { role: 'user', content: transcript },
      ]);
      const title = raw.replace(/<think>[\s\S]*?<\/think>/g, '').trim().replace(/^["'“”]+|["'“”.。]+$/g, '').slice(0, 100);
      if (!title) return null;
      // Only if nobody renamed it meanwhile.
      await domain.sessions.setGeneratedTitle(turn.sessionId, title);
      return title;
    },

    /**
     * When the history past the summary is longer than the threshold, older turns are folded into the
     * session's summary, which is updated incrementally rather than recomputed. Answers the new summary
     * and the last message it covers, for the workflow's conversation.
     */
    async compressHistory(turn: Turn, ctx: TurnContext): Promise<{ summary: string; untilId: string } | null> {
      const threshold = ctx.compression.threshold;
      if (!ctx.compression.enabled) return null;
      const session = await domain.sessions.summaryOf(turn.sessionId);
      if (!session) return null;
      const messages = await domain.messages.since(turn.sessionId, session.until);
      const text = messages.map((m) => `${m.type}: ${m.message}`).join('\n\n');
      if (text.length <= threshold || messages.length <= KEEP_VERBATIM * 2) return null;
      const fold = messages.slice(0, messages.length - KEEP_VERBATIM * 2);
      const turns = fold.map((m) => `${m.type}: ${m.message}`).join('\n\n');
      const summary = await completeWithModel(deps, ctx.model, [
        { role: 'system', content: SUMMARY_PROMPT },
        { role: 'user', content: `Current summary:\n${session.summary || '(none yet)'}\n\nNew turns:\n${turns}` },
      ]);
      if (!summary.trim()) return null;
      const until = fold[fold.length - 1]!;
      await domain.sessions.setSummary(turn.sessionId, summary.trim(), until.created);
      return { summary: summary.trim(), untilId: until._id };
    },
  };
}
