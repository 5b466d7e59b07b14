// The conversation as the prompts show it (coco-api.md §5.4 step 2), with the compressed summary first.
import type { HistoryEntry } from './chat';

/** Longer messages are cut to this in the history prompt. */
export const HISTORY_TEXT_LIMIT = 1000;

/** A saved message as a history entry. */
export function historyEntry(id: string, role: HistoryEntry['role'], message: string): HistoryEntry {
  return { id, role, text: message.length > HISTORY_TEXT_LIMIT ? `${message.slice(0, HISTORY_TEXT_LIMIT)}...` : message };
}

export function historyText(history: HistoryEntry[], summary = ''): string {
  const parts: string[] = [];
  if (summary) parts.push(`Summary of the earlier conversation: ${summary}`);
  parts.push(...history.map((h) => `${h.role}: ${h.text}`));
  return parts.length ? `<conversation>\n${parts.join('\n\n')}\n</conversation>` : '';
}
