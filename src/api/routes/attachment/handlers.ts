// The attachment routes other than upload (coco-api.md §3.4): the bytes, their headers, delete, search and
// parsing status. Every one reads the caller's own files only: anyone else's id is "not found".
import type { Attachments } from '../../../domain/attachments/attachments';
import type { User } from '../../../domain/users';
import { toSearchRequest } from '../../../search/execute';
import { QueryParams, queryStringToEs } from '../../../search/query-string';
import { ATTACHMENT_SEARCH_FIELDS } from '../../../domain/attachments/records';
import { isObject } from '../../../shared/objects';
import type { AppContext } from '../../context';
import { BadRequestError } from '../../errors';
import { present, presentHits } from '../present';
import { IdList } from './schema';

const userOf = (ctx: AppContext) => ctx.state.user as User;

/** A header value may only carry Latin-1: a name beyond it is sent percent-encoded. */
const headerSafe = (name: string) => (/^[\x20-\x7e]*$/.test(name) ? name : encodeURIComponent(name));

/** Ids from a body `{"attachments": [...]}` or a query `?attachments=a,b`. */
function idsOf(ctx: AppContext, required: boolean): string[] | undefined {
  const body = ctx.request.body;
  if (isObject(body) && body.attachments !== undefined) {
    const parsed = IdList.safeParse(body.attachments);
    if (!parsed.success) throw new BadRequestError('attachments: expected an array of at most 100 attachment ids');
    return parsed.data;
  }
  const q = ctx.query.attachments;
  if (typeof q === 'string' && q) return IdList.parse(q.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 100));
  if (required) throw new BadRequestError('attachments: send {"attachments": [ids]} (or ?attachments=id1,id2)');
  return undefined;
}

export function attachmentHandlers(attachments: Attachments) {
  /** GET (and HEAD): the bytes, as a download; HEAD gives only Coco's headers (Filename, Created, Content-Length). */
  const get = async (ctx: AppContext) => {
    const doc = await attachments.own(userOf(ctx), ctx.params.id as string);
    ctx.set('Filename', headerSafe(doc.name as string));
    ctx.set('Created', String(Math.floor(new Date(doc.created).getTime() / 1000)));
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.attachment(doc.name as string);
    ctx.type = (doc.mime_type as string) || 'application/octet-stream';
    ctx.length = doc.size as number;
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      return;
    }
    ctx.body = (await attachments.download(userOf(ctx), doc._id)).body;
  };

  const remove = async (ctx: AppContext) => {
    await attachments.remove(userOf(ctx), ctx.params.id as string);
    ctx.body = { _id: ctx.params.id, result: 'deleted' };
  };

  /** Coco's search: the query-string DSL over name and description; `{"attachments":[ids]}` and `?session=` narrow it. */
  const search = async (ctx: AppContext) => {
    const ids = idsOf(ctx, false);
    const body = isObject(ctx.request.body) ? { ...ctx.request.body } : ctx.request.body;
    if (isObject(body)) delete body.attachments;
    const qs = queryStringToEs(ctx.query as QueryParams, ATTACHMENT_SEARCH_FIELDS.defaultFields, 20);
    const request = toSearchRequest(qs, isObject(body) && Object.keys(body).length === 0 ? undefined : body);
    const session = typeof ctx.query.session === 'string' ? ctx.query.session : undefined;
    const res = await attachments.search(userOf(ctx), request, { ...(ids && { ids }), ...(session && { session }) });
    ctx.body = presentHits(res, (d) => present(d));
  };

  /** Coco's `{"initial_parsing": status}`, plus why a failed file failed. */
  const status = async (ctx: AppContext) => {
    const doc = await attachments.own(userOf(ctx), ctx.params.id as string);
    ctx.body = { initial_parsing: doc.initial_parsing, ...(doc.initial_parsing === 'failed' && { error: doc.parse_error }) };
  };

  /** Coco's batch status: `{id: {initial_parsing}}` for the caller's files among the ids. */
  const statuses = async (ctx: AppContext) => {
    ctx.body = await attachments.statuses(userOf(ctx), idsOf(ctx, true)!);
  };

  return { get, remove, search, status, statuses };
}
