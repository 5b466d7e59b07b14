// PDF and DOCX parsing, each file in a worker thread of its own (reader.worker.mjs): a hostile file can make a
// parser loop or balloon, and a worker has a memory limit and is stopped at once on abort, where the parsers'
// own promises could not be.
import path from 'node:path';
import { Worker } from 'node:worker_threads';

const WORKER_FILE = path.join(__dirname, 'reader.worker.mjs');
/** Heap a parse may use: far above what the text of a large document needs, far below the process's. */
const WORKER_HEAP_MB = 512;
/** Pages of a PDF read at most: a bound on the work whatever the file claims. */
const MAX_PDF_PAGES = 2000;

export interface WorkerReadOptions {
  /** Once this many characters are read, no further PDF pages are parsed. */
  maxChars: number;
  signal?: AbortSignal;
}

/** The raw text of a PDF or DOCX. Rejects with the parser's own message; with the signal's reason on abort. */
export function readInWorker(kind: 'pdf' | 'docx', bytes: Buffer, opts: WorkerReadOptions): Promise<string> {
  const { signal } = opts;
  signal?.throwIfAborted();
  // A copy of its own is handed over: the caller's Buffer may share its memory with others.
  const data = new Uint8Array(bytes);
  return new Promise<string>((resolve, reject) => {
    const worker = new Worker(WORKER_FILE, {
      workerData: { kind, bytes: data, maxPages: MAX_PDF_PAGES, maxChars: opts.maxChars },
      transferList: [data.buffer],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: { text?: string; error?: string }) =>
      finish(() => (msg.error === undefined ? resolve(msg.text ?? '') : reject(new Error(msg.error)))),
    );
    worker.on('error', (err: Error & { code?: string }) =>
      finish(() => reject(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`it needs more than ${WORKER_HEAP_MB} MB of memory`) : err)),
    );
    worker.on('exit', (code) => finish(() => reject(new Error(`the reader stopped (exit code ${code})`))));
  });
}
