// Uploaded files (coco-api.md §3.4): bytes in GridFS, a record per file owned by its uploader (anyone
// else's id is "not found"), the text a worker extracted from it, and its parsing status. Turns check
// their files here against the assistant's upload settings, and read the text from here.
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../infra/blob-store';
import type { Models } from '../../models';
import { runSearch, type EsResponse, type SearchRequest } from '../../search/execute';
import { randomId } from '../../shared/ids';
import { NotFound } from '../errors';
import type { Stored } from '../record';
import type { User } from '../users';
import { ATTACHMENT_SEARCH_FIELDS, attachmentView, extensionOf, type ParseStatus } from './records';
import { checkUpload, type UploadSettings } from './upload-policy';

export interface IncomingFile {
  name: string;
  mime: string;
  stream: Readable;
}

/** What a turn reads of a file: its name and, once parsed, its text. */
export interface AttachmentText {
  id: string;
  name: string;
  status: ParseStatus;
  readable: boolean | null;
  text: string;
}

/** What extraction found: the text, or that the type is not read; or why it failed. */
export type ParseOutcome = { readable: boolean; text: string } | { error: string };

const NAME_CHARS = 255;
/** Bytes a parse reads at most: uploads are bounded per request, this is the guard behind it. */
const MAX_PARSE_BYTES = 256 * 1024 * 1024;
const WITHOUT_TEXT = { text: 0 } as const;

/** A file name as it may be stored and sent back in headers: no path, no control characters, bounded. */
export function cleanName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, NAME_CHARS);
  return clean || 'file';
}

export class Attachments {
  constructor(
    private readonly models: Models,
    private readonly blobs: BlobStore,
  ) {}

  /** Stores one uploaded file for the user: its bytes (at most `maxBytes`, else BlobTooLarge), then its record. */
  async store(user: User, file: IncomingFile, maxBytes: number, session = ''): Promise<Stored> {
    const id = randomId();
    const name = cleanName(file.name);
    const { size } = await this.blobs.put(id, name, file.stream, maxBytes);
    try {
      const doc = await this.models.Attachment.create({
        _id: id,
        name,
        size,
        mime_type: file.mime || 'application/octet-stream',
        icon: extensionOf(name),
        url: `/attachment/${id}`,
        session,
        owner_id: user.id,
      });
      return attachmentView(doc.toObject() as Stored);
    } catch (err) {
      await this.blobs.remove(id);
      throw err;
    }
  }

  /** The user's attachment (without its text). */
  async own(user: User, id: string): Promise<Stored> {
    const doc = (await this.models.Attachment.findOne({ _id: id, owner_id: user.id }).select(WITHOUT_TEXT).lean()) as Stored | null;
    if (!doc) throw new NotFound('attachment', id);
    return attachmentView(doc);
  }

  /** The bytes of the user's attachment, with its record. */
  async download(user: User, id: string): Promise<{ doc: Stored; body: Readable }> {
    const doc = await this.own(user, id);
    return { doc, body: this.blobs.stream(id) };
  }

  async remove(user: User, id: string): Promise<void> {
    await this.own(user, id);
    await this.removeStored([id]);
  }

  /** Removes records and bytes (an upload that failed half-way takes back what it stored). */
  async removeStored(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.models.Attachment.deleteMany({ _id: { $in: ids } });
    await Promise.all(ids.map((id) => this.blobs.remove(id)));
  }

  /** The user's attachments matching the search (Coco's `_search`), optionally only these ids or this session's. */
  async search(user: User, request: SearchRequest, only: { ids?: string[]; session?: string }): Promise<EsResponse<Stored>> {
    const scope: unknown[] = [{ term: { owner_id: user.id } }];
    if (only.ids) scope.push({ terms: { id: only.ids } });
    if (only.session) scope.push({ term: { session: only.session } });
    const req = { ...request, clauses: [...request.clauses, { bool: { filter: scope } }] };
    return runSearch(this.models.Attachment, ATTACHMENT_SEARCH_FIELDS, req, (d) => attachmentView(d as Stored));
  }

  /** Coco's batch status: `{id: {initial_parsing}}` for the user's files among `ids` (others are left out). */
  async statuses(user: User, ids: string[]): Promise<Record<string, { initial_parsing: ParseStatus }>> {
    const docs = (await this.models.Attachment.find({ _id: { $in: ids }, owner_id: user.id }).select({ initial_parsing: 1 }).lean()) as Stored[];
    return Object.fromEntries(docs.map((d) => [d._id, { initial_parsing: d.initial_parsing as ParseStatus }]));
  }

  /** Checks that files may go with a message: the user's own (else 404), within the assistant's upload settings (else 400). */
  async checkForTurn(user: User, ids: string[], assistantId: string, settings: UploadSettings | null | undefined): Promise<void> {
    if (ids.length === 0) return;
    checkUpload(assistantId, settings, await this.ownedAll(user, ids));
  }

  /** Checks that the ids are the user's files (a session's context may name only those). */
  async checkOwned(user: User, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.ownedAll(user, ids);
  }

  /** The user's files with these ids, in their order (name and size); the first that is not theirs is "not found". */
  private async ownedAll(user: User, ids: string[]): Promise<Array<Stored & { name: string; size: number }>> {
    const docs = (await this.models.Attachment.find({ _id: { $in: ids }, owner_id: user.id }).select({ name: 1, size: 1 }).lean()) as Array<Stored & { name: string; size: number }>;
    const byId = new Map(docs.map((d) => [d._id, d]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing) throw new NotFound('attachment', missing);
    return ids.map((id) => byId.get(id)!);
  }

  // ---- the worker's side: parsing, and what turns read ----

  /** Marks a parse as started (one more attempt); null when the file is gone (deleted meanwhile). */
  async beginParse(id: string): Promise<{ name: string; mime: string; bytes: () => Promise<Buffer> } | null> {
    // No projection: FerretDB's findAndModify has none (the text is not there yet anyway).
    const doc = (await this.models.Attachment.findOneAndUpdate({ _id: id }, { $set: { initial_parsing: 'processing' }, $inc: { parse_attempts: 1 } }, { returnDocument: 'after' }).lean()) as
      | (Stored & { name: string; mime_type: string })
      | null;
    if (!doc) return null;
    return { name: doc.name, mime: doc.mime_type, bytes: () => this.blobs.read(id, MAX_PARSE_BYTES) };
  }

  async finishParse(id: string, outcome: ParseOutcome): Promise<void> {
    const set =
      'error' in outcome
        ? { initial_parsing: 'failed', parse_error: outcome.error.slice(0, 1000) }
        : { initial_parsing: 'completed', readable: outcome.readable, text: outcome.text, text_chars: outcome.text.length, parse_error: '' };
    await this.models.Attachment.updateOne({ _id: id }, { $set: set });
  }

  /**
   * The files a turn names, in its order, with their text as far as parsed (missing ones are left out).
   * `withText: false` reads only their states (a wait polls those, and reads the text once at the end).
   */
  async texts(ids: string[], withText = true): Promise<AttachmentText[]> {
    if (ids.length === 0) return [];
    const docs = (await this.models.Attachment.find({ _id: { $in: ids } }).select({ name: 1, initial_parsing: 1, readable: 1, ...(withText && { text: 1 }) }).lean()) as Array<Stored & { name: string; initial_parsing: ParseStatus; readable: boolean | null; text: string }>;
    const byId = new Map(docs.map((d) => [d._id, d]));
    return ids.flatMap((id) => {
      const d = byId.get(id);
      return d ? [{ id, name: d.name, status: d.initial_parsing, readable: d.readable, text: d.text ?? '' }] : [];
    });
  }
}
