// Chat attachments (coco-api.md §6): files uploaded with POST /attachment/_upload (multipart, repeated
// `files`), their parsing followed with POST /attachment/_status, their names read back with
// POST /attachment/_search. The assistant's `upload` settings are checked here first for a clear message;
// the server checks them again and has the last word.
import { ApiError, getToken, reasonOf, request } from '../api';
import type { Assistant } from '../types';

export type ParseStatus = 'pending' | 'processing' | 'completed' | 'failed';

/** A file in the composer: uploading (no id yet), then parsing on the server, then ready or failed. */
export interface PendingAttachment {
  key: string;
  name: string;
  size: number;
  id?: string;
  status: 'uploading' | ParseStatus;
}

export interface AttachmentInfo {
  id: string;
  name: string;
  size?: number;
  icon?: string;
  url?: string;
}

export const isParsing = (a: PendingAttachment) => a.status === 'uploading' || a.status === 'pending' || a.status === 'processing';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The file's extension as the server reads it (src/domain/attachments/records.ts). */
const extensionOf = (name: string) => /\.([A-Za-z0-9]{1,16})$/.exec(name)?.[1]?.toLowerCase() ?? '';

/** The assistant's allowed extensions, lower case without the dot; null: any. */
export function allowedExtensions(upload: Assistant['upload'] | undefined): string[] | null {
  const list = (upload?.allowed_file_extensions ?? []).map((e) => e.trim().replace(/^\*?\./, '').toLowerCase()).filter(Boolean);
  return list.length === 0 || list.includes('*') ? null : list;
}

/** The file input's `accept`: the allowed extensions, or nothing for any file. */
export function acceptOf(upload: Assistant['upload'] | undefined): string | undefined {
  const list = allowedExtensions(upload);
  return list ? list.map((e) => `.${e}`).join(',') : undefined;
}

/**
 * Splits chosen files into those the assistant takes and the reasons the others are refused (extension,
 * size, and the count with the files already attached).
 */
export function checkFiles(upload: Assistant['upload'] | undefined, files: File[], already: number): { ok: File[]; refused: string[] } {
  const refused: string[] = [];
  const ok: File[] = [];
  const exts = allowedExtensions(upload);
  const maxSize = upload?.max_file_size_in_bytes ?? 0;
  const maxCount = upload?.max_file_count ?? 0;
  for (const f of files) {
    const ext = extensionOf(f.name);
    if (exts && !exts.includes(ext)) {
      refused.push(`${f.name}: this assistant takes only ${exts.map((e) => `.${e}`).join(', ')} files`);
    } else if (maxSize > 0 && f.size > maxSize) {
      refused.push(`${f.name}: ${formatSize(f.size)} is more than the ${formatSize(maxSize)} this assistant takes`);
    } else if (f.size === 0) {
      refused.push(`${f.name}: the file is empty`);
    } else if (maxCount > 0 && already + ok.length >= maxCount) {
      refused.push(`${f.name}: at most ${maxCount} file${maxCount === 1 ? '' : 's'} per message`);
    } else ok.push(f);
  }
  return { ok, refused };
}

/** Uploads files in one request; the answer's ids are in the files' order. Throws the server's reason. */
export async function uploadFiles(files: File[]): Promise<string[]> {
  const form = new FormData();
  for (const f of files) form.append('files', f, f.name);
  const token = getToken();
  const res = await fetch('/attachment/_upload', { method: 'POST', headers: token ? { 'X-API-TOKEN': token } : {}, body: form });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) throw new ApiError(res.status, reasonOf(body, res.status === 404 ? 'this server does not take attachments' : `upload failed: ${res.status} ${res.statusText}`), body);
  const ids = (body as { attachments?: unknown })?.attachments;
  if (!Array.isArray(ids) || ids.length !== files.length) throw new Error('the upload answered without an id for every file');
  return ids.map(String);
}

/** The parsing status of each attachment asked about (those the server does not know are left out). */
export async function attachmentStatus(ids: string[]): Promise<Record<string, ParseStatus>> {
  const res = await request<Record<string, { initial_parsing?: string } | undefined>>('POST', '/attachment/_status', { attachments: ids });
  const out: Record<string, ParseStatus> = {};
  for (const id of ids) {
    const s = res?.[id]?.initial_parsing;
    if (s === 'pending' || s === 'processing' || s === 'completed' || s === 'failed') out[id] = s;
  }
  return out;
}

/** Names (and sizes) of stored attachments. */
export async function attachmentInfo(ids: string[]): Promise<AttachmentInfo[]> {
  const res = await request<{ hits?: { hits?: Array<{ _id: string; _source?: Partial<AttachmentInfo> }> } }>('POST', '/attachment/_search', { attachments: ids });
  return (res?.hits?.hits ?? []).map((h) => ({ ...h._source, id: h._source?.id ?? h._id, name: h._source?.name ?? h._id }));
}
