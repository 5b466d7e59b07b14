// Which steps a turn runs before its answer (coco-api.md §5.4). Shared by the workflow's pipeline and the
// beginReply step, which answers at once when there is none.
import type { Turn, TurnContext } from './chat';

/** True when anything comes before the answer: attachments to read, given sources, deep think, tools or retrieval. */
export function needsSteps(turn: Pick<Turn, 'givenSources' | 'attachments'>, ctx: Pick<TurnContext, 'deepThink' | 'tools' | 'search'>): boolean {
  return (turn.attachments?.length ?? 0) > 0 || turn.givenSources !== undefined || ctx.deepThink || ctx.tools !== null || ctx.search !== null;
}
