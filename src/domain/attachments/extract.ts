// The text of an uploaded file, for chats to read: PDF and DOCX through their parsers (in a worker thread),
// HTML as the text a browser shows, Markdown and plain text as they are. The type comes from the file's name,
// then the client's content type, then the bytes themselves; a type none of them reveals is stored, not read.
import path from 'node:path';
import { htmlText } from './html-text';
import { readInWorker } from './read-in-worker';

export type ExtractResult = { readable: true; text: string } | { readable: false; reason: string };
export type TextKind = 'pdf' | 'docx' | 'html' | 'markdown' | 'text';

export interface ExtractOptions {
  /** Characters kept at most (default 1,000,000); the rest is dropped. */
  maxChars?: number;
  /** Stops a PDF or DOCX parse at once; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

const DEFAULT_MAX_CHARS = 1_000_000;
/** Bytes looked at to tell text from binary. */
const SNIFF_BYTES = 8192;

const BY_EXTENSION: Record<string, TextKind> = {
  pdf: 'pdf',
  docx: 'docx',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
  log: 'text',
  csv: 'text',
  tsv: 'text',
  json: 'text',
  xml: 'text',
  yaml: 'text',
  yml: 'text',
};

const BY_MIME: Record<string, TextKind> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'application/json': 'text',
  'application/xml': 'text',
};

/** What a file is by its name, else by its content type; null when neither tells (the bytes may still). */
export function kindOf(name: string, mime: string): TextKind | null {
  const ext = path.extname(name).slice(1).toLowerCase();
  const type = mime.split(';')[0]!.trim().toLowerCase();
  return BY_EXTENSION[ext] ?? BY_MIME[type] ?? (type.startsWith('text/') ? 'text' : null);
}

/**
 * Reads the text of an uploaded file. name = original file name, mime = the client's content type (may be
 * empty or wrong). A PDF or DOCX that cannot be parsed rejects with an Error saying so.
 */
export async function extractText(bytes: Buffer, name: string, mime: string, opts: ExtractOptions = {}): Promise<ExtractResult> {
  const maxChars = opts.maxChars ?? DEFAULT_MAX_CHARS;
  const kind = kindOf(name, mime) ?? sniff(bytes);
  if (!kind) return { readable: false, reason: 'the file is not of a type whose text is read (PDF, DOCX, HTML, Markdown or text)' };
  switch (kind) {
    case 'pdf': {
      const text = await parse('pdf', bytes, maxChars, opts.signal);
      // Scans are images of pages: nothing to read without OCR.
      if (!text) return { readable: false, reason: 'the PDF has no text (its pages may be scanned images)' };
      return { readable: true, text: cap(text, maxChars) };
    }
    case 'docx':
      return { readable: true, text: cap(await parse('docx', bytes, maxChars, opts.signal), maxChars) };
    default: {
      if (!looksLikeText(bytes)) return { readable: false, reason: `the file is named or typed as ${kind} but its content is binary` };
      const text = decode(bytes);
      return { readable: true, text: cap(tidy(kind === 'html' ? htmlText(text) : text), maxChars) };
    }
  }
}

/** The parser's text, tidied; its failure as an error that says which file type could not be read. */
async function parse(kind: 'pdf' | 'docx', bytes: Buffer, maxChars: number, signal?: AbortSignal): Promise<string> {
  try {
    return tidy(await readInWorker(kind, bytes, { maxChars, signal }));
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new Error(`the ${kind.toUpperCase()} could not be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The type the bytes reveal: the PDF header, a zip holding a Word document, or text (HTML if it starts so). */
function sniff(bytes: Buffer): TextKind | null {
  if (bytes.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  // A zip names its entries in plain ASCII in its central directory.
  if (bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return bytes.includes('word/document.xml') ? 'docx' : null;
  if (!looksLikeText(bytes)) return null;
  return /^\s*<(!doctype\s+html|html[\s>])/i.test(decode(bytes.subarray(0, SNIFF_BYTES))) ? 'html' : 'text';
}

/** Text has no NUL bytes and next to no other control characters, except in UTF-16 (which starts with a BOM). */
function looksLikeText(bytes: Buffer): boolean {
  if (utf16(bytes)) return true;
  const head = bytes.subarray(0, SNIFF_BYTES);
  let controls = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) controls++;
  }
  return controls <= head.length / 100;
}

function utf16(bytes: Buffer): 'utf-16le' | 'utf-16be' | null {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

/** UTF-8 unless a BOM says UTF-16; the BOM itself is dropped (TextDecoder does that). */
function decode(bytes: Buffer): string {
  return new TextDecoder(utf16(bytes) ?? 'utf-8').decode(bytes);
}

/** Unix line ends, no control characters, no trailing spaces, at most one blank line in a row. */
function tidy(text: string): string {
  return text
    .replace(/\r\n?|\f|\v/g, '\n')
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '')
    .replace(/[ \t\u00a0]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}

/** The first `max` characters, without cutting a surrogate pair in half. */
function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return text.slice(0, end);
}
