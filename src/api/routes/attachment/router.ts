// Attachments (coco-api.md §3.4): upload, download, HEAD, delete, search and parsing status, each the
// caller's own files only (permission `attachment`).
import Router from '@koa/router';
import type { AppContextExt, AppDeps, AppState } from '../../context';
import { can } from '../../middleware/access';
import { notFoundAs } from '../../middleware/errors';
import { attachmentHandlers } from './handlers';
import { AttachmentParsing } from './parsing';
import { uploadHandler } from './upload';

export function attachmentRouter(deps: AppDeps) {
  const { attachments } = deps.domain;
  const h = attachmentHandlers(attachments);
  const upload = uploadHandler(attachments, new AttachmentParsing(deps.temporal, deps.config.temporal.taskQueue), deps.config.attachments.uploadLimitBytes);
  const a = can('attachment');
  // A missing (or someone else's) file, as Coco's reads and deletes answer it.
  const found = notFoundAs('found');
  return new Router<AppState, AppContextExt>({ prefix: '/attachment' })
    .post('/_upload', a, upload)
    .get('/_search', a, h.search)
    .post('/_search', a, h.search)
    .get('/_status', a, h.statuses)
    .post('/_status', a, h.statuses)
    .get('/:id/status', a, found, h.status)
    .get('/:id', a, found, h.get)
    .delete('/:id', a, h.remove);
}
