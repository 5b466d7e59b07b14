// The readable text of an HTML page: what a browser shows, one block per line, without scripts and styles.
import * as cheerio from 'cheerio';

/** The parts of a parsed node the walk reads (cheerio's nodes have these and more). */
interface HtmlNode {
  type: string;
  name?: string;
  data?: string;
  children?: HtmlNode[];
}

/** Elements whose content is never shown as text. */
const HIDDEN = new Set(['head', 'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'select']);
/** Elements that start and end a line. */
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'caption', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hgroup', 'hr', 'li', 'main',
  'nav', 'ol', 'p', 'pre', 'section', 'summary', 'table', 'tr', 'ul',
]);

export function htmlText(html: string): string {
  const $ = cheerio.load(html);
  const out: string[] = [];
  const title = $('head > title').first().text().trim();
  if (title) out.push(title, '\n\n');
  const atLineStart = () => out.length === 0 || /\n$/.test(out[out.length - 1]!);
  const atSpace = () => atLineStart() || / $/.test(out[out.length - 1]!);

  const walk = (node: HtmlNode, inPre: boolean): void => {
    if (node.type === 'text' && node.data) {
      if (inPre) out.push(node.data);
      else {
        // Source line breaks and indentation are layout, not text: they become at most one space.
        let text = node.data.replace(/\s+/g, ' ');
        if (atSpace()) text = text.trimStart();
        if (text) out.push(text);
      }
      return;
    }
    const name = node.name ?? '';
    if (HIDDEN.has(name)) return;
    if (name === 'br') return void out.push('\n');
    const block = BLOCKS.has(name);
    if (block && !atLineStart()) out.push('\n');
    if (name === 'li') out.push('- ');
    for (const child of node.children ?? []) walk(child, inPre || name === 'pre');
    if (name === 'td' || name === 'th') out.push('\t');
    if (block && !atLineStart()) out.push('\n');
    // A paragraph or heading stands apart from what follows, as a browser shows it.
    if (/^(p|h[1-6]|pre|blockquote|table)$/.test(name)) out.push('\n');
  };
  for (const node of $.root()[0]!.children) walk(node, false);
  return out.join('');
}
