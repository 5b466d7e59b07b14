// Runs in a worker thread started by read-in-worker.ts: pdf.js and mammoth parse untrusted files here, where a
// memory limit holds and the whole parse can be stopped at once. Plain ESM that Node loads as it is: pdf.js is
// ESM-only, and jest's module system (CommonJS here) cannot import() it, while a worker thread is plain Node
// under jest, tsx and in production alike.
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** @param {Uint8Array} data @param {number} maxPages @param {number} maxChars */
async function pdfText(data, maxPages, maxChars) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // Fonts a PDF names without embedding them, and the CMaps of CJK text: pdf.js reads them from its package.
  const root = path.dirname(require.resolve('pdfjs-dist/package.json'));
  const doc = await pdfjs.getDocument({
    data,
    standardFontDataUrl: `${root}/standard_fonts/`,
    cMapUrl: `${root}/cmaps/`,
    cMapPacked: true,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    verbosity: pdfjs.VerbosityLevel.ERRORS,
  }).promise;
  try {
    const pages = [];
    let chars = 0;
    // Pages past the caps are not parsed at all: their text would be cut anyway.
    for (let n = 1; n <= Math.min(doc.numPages, maxPages) && chars < maxChars; n++) {
      const page = await doc.getPage(n);
      const { items } = await page.getTextContent();
      const text = items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join('');
      page.cleanup();
      pages.push(text);
      chars += text.length;
    }
    return pages.join('\n\n');
  } finally {
    await doc.destroy();
  }
}

/** @param {Uint8Array} data */
async function docxText(data) {
  const mammoth = require('mammoth');
  const { value } = await mammoth.extractRawText({ buffer: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  return value;
}

const { kind, bytes, maxPages, maxChars } = workerData;
try {
  const text = kind === 'pdf' ? await pdfText(bytes, maxPages, maxChars) : await docxText(bytes);
  parentPort.postMessage({ text });
} catch (err) {
  parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
}
