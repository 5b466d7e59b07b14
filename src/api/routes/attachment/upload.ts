// POST /attachment/_upload (coco-api.md §3.4): multipart, repeated field `files`, streamed into GridFS as it
// arrives (never held in memory), at most the upload limit per request (20 MB by default) over all files.
// Either every file is stored and its parse started, or nothing is kept.
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Attachments } from '../../../domain/attachments/attachments';
import type { Stored } from '../../../domain/record';
import type { User } from '../../../domain/users';
import { BlobTooLarge } from '../../../infra/blob-store';
import type { AppContext } from '../../context';
import { BadRequestError, PayloadTooLargeError, ServiceUnavailableError } from '../../errors';
import type { AttachmentParsing } from './parsing';

const NO_FILES = 'No files uploaded: send multipart/form-data with one or more "files" fields';
/** Files per request, and room for the multipart framing around them. */
const MAX_FILES = 50;
const FRAMING_BYTES = 64 * 1024;

type OnFile = (file: { name: string; mime: string; stream: Readable }, budget: number) => Promise<Stored>;

/** What a multipart body gave: the files stored so far and, if reading stopped, why. */
interface Received {
  stored: Stored[];
  failure?: unknown;
}

/**
 * Reads the multipart body, handing each `files` part to `onFile` in turn with the bytes left in the
 * request's budget. Stops storing at the first problem and drains the rest of the body.
 */
function receiveFiles(req: Readable, headers: IncomingHttpHeaders, limitBytes: number, onFile: OnFile): Promise<Received> {
  return new Promise((resolve) => {
    const got: Received = { stored: [] };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, limits: { files: MAX_FILES, fields: 20, fieldSize: 1024, parts: MAX_FILES + 20, fileSize: limitBytes + 1 } });
    } catch (err) {
      resolve({ stored: [], failure: new BadRequestError(`multipart body: ${(err as Error).message}`) });
      return;
    }
    let used = 0;
    let chain = Promise.resolve();
    const fail = (err: unknown) => {
      if (got.failure === undefined) got.failure = err;
    };
    const done = () => void chain.then(() => resolve(got));
    parser.on('file', (field, stream, info) => {
      if (field !== 'files') fail(new BadRequestError(`multipart body: unexpected file field "${field}": send files as "files"`));
      // One file at a time, in order: each gets what is left of the budget.
      chain = chain.then(async () => {
        if (got.failure !== undefined) return void stream.resume();
        try {
          const doc = await onFile({ name: info.filename ?? '', mime: info.mimeType ?? '', stream }, limitBytes - used);
          used += doc.size as number;
          got.stored.push(doc);
        } catch (err) {
          fail(err);
          stream.resume();
        }
      });
    });
    parser.on('filesLimit', () => fail(new BadRequestError(`multipart body: at most ${MAX_FILES} files per request`)));
    parser.on('error', (err) => {
      fail(new BadRequestError(`multipart body: ${(err as Error).message}`));
      req.unpipe(parser);
      req.resume();
      done();
    });
    parser.on('close', done);
    req.pipe(parser);
  });
}

export function uploadHandler(attachments: Attachments, parsing: AttachmentParsing, limitBytes: number) {
  return async (ctx: AppContext) => {
    if (!ctx.is('multipart')) throw new BadRequestError(NO_FILES);
    const declared = Number(ctx.get('Content-Length') || 0);
    if (declared > limitBytes + FRAMING_BYTES) throw new PayloadTooLargeError(limitBytes);
    const user = ctx.state.user as User;
    const session = typeof ctx.query.session === 'string' ? ctx.query.session.slice(0, 64) : '';
    const { stored, failure } = await receiveFiles(ctx.req, ctx.headers, limitBytes, (file, budget) => attachments.store(user, file, budget, session));
    if (failure !== undefined) {
      await attachments.removeStored(stored.map((d) => d._id));
      throw failure instanceof BlobTooLarge ? new PayloadTooLargeError(limitBytes) : failure;
    }
    if (stored.length === 0) throw new BadRequestError(NO_FILES);
    const ids = stored.map((d) => d._id);
    try {
      await parsing.start(ids);
    } catch (err) {
      await attachments.removeStored(ids);
      ctx.state.log.error({ err }, 'could not start parsing the uploaded files');
      throw new ServiceUnavailableError(`the files could not be queued for reading (${(err as Error).message}); nothing was kept`);
    }
    ctx.body = { acknowledged: true, attachments: ids };
  };
}
