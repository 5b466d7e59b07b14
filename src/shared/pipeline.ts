// Which steps a turn runs before its answer (coco-api.md §5.4). Shared by the workflow's pipeline and the
// beginReply step, which answers at once when there is none.
import type { Turn, TurnContext } from './chat';

/** True when anything comes before the answer: given sources, deep think, tools or retrieval. */
export function needsSteps(turn: Pick<Turn, 'givenSources'>, ctx: Pick<TurnContext, 'deepThink' | 'tools' | 'search'>): boolean {
  return turn.givenSources !== undefined || ctx.deepThink || ctx.tools !== null || ctx.search !== null;
}
