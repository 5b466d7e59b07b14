// Short labels made from user text (the Temporal UI's summaries and details: src/api/chat/workflows.ts,
// src/workflows/ui.ts). Plain code: the workflows use it too.

/** One line, at most `max` characters (cut at a word when it can, with an ellipsis). */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut.trimEnd()}…`;
}

/** Markdown's special characters, escaped: a text shows as the text it is where the UI renders markdown. */
export const escapeMarkdown = (text: string) => text.replace(/[\\`*_[\]()<>#|!~]/g, (c) => `\\${c}`);
