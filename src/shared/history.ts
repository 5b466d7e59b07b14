// The conversation as the prompts show it (coco-api.md §5.4 step 2), with the compressed summary first.
import type { HistoryEntry } from './chat';

export function historyText(history: HistoryEntry[], summary = ''): string {
  const parts: string[] = [];
  if (summary) parts.push(`Summary of the earlier conversation: ${summary}`);
  parts.push(...history.map((h) => `${h.role}: ${h.text}`));
  return parts.length ? `<conversation>\n${parts.join('\n\n')}\n</conversation>` : '';
}
