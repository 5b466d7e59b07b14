// An assistant's `upload` settings (coco-api.md §5.1), checked when a turn names attachments: the client is
// told the same settings to shape its picker, but only this check holds.
import { InvalidInput } from '../errors';
import { extensionOf } from './records';

export interface UploadSettings {
  enabled?: boolean;
  allowed_file_extensions?: string[];
  max_file_size_in_bytes?: number;
  max_file_count?: number;
}

export interface FileFacts {
  _id: string;
  name: string;
  size: number;
}

/** Why these files may not go with a message to this assistant; undefined when they may. */
export function uploadRefusal(assistantId: string, settings: UploadSettings | null | undefined, files: FileFacts[]): string | undefined {
  if (files.length === 0) return undefined;
  if (settings?.enabled !== true) return `assistant [${assistantId}] does not accept attachments (its upload setting is not enabled)`;
  const maxCount = settings.max_file_count ?? 6;
  if (maxCount > 0 && files.length > maxCount) return `attachments: at most ${maxCount} files per message for assistant [${assistantId}], got ${files.length}`;
  const allowed = (settings.allowed_file_extensions ?? ['*']).map((e) => e.trim().toLowerCase().replace(/^\*?\./, ''));
  const maxSize = settings.max_file_size_in_bytes ?? 1048576;
  for (const f of files) {
    const ext = extensionOf(f.name);
    if (!allowed.includes('*') && !allowed.includes(ext)) {
      return `attachment [${f._id}] (${f.name}): files of type ${ext ? `.${ext}` : 'without an extension'} are not accepted by assistant [${assistantId}] (allowed: ${allowed.join(', ')})`;
    }
    if (maxSize > 0 && f.size > maxSize) return `attachment [${f._id}] (${f.name}): ${f.size} bytes is more than the ${maxSize} bytes assistant [${assistantId}] accepts`;
  }
  return undefined;
}

/** The refusal as the domain's error (a 400 naming what is wrong). */
export function checkUpload(assistantId: string, settings: UploadSettings | null | undefined, files: FileFacts[]): void {
  const reason = uploadRefusal(assistantId, settings, files);
  if (reason) throw new InvalidInput(reason);
}
