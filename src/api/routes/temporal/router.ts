// The codec endpoint of the Temporal UI and CLI (Temporal's codec server protocol): POST
// /temporal/codec/decode and /temporal/codec/encode take {"payloads":[{"metadata":{..},"data":".."}]}
// (proto3 JSON: the data and every metadata value base64) and answer the same shape, run through the
// payload codec of the API's client (src/infra/payload-codec.ts). Admins only: decoding shows every
// user's chats. Browsers may call it from the Temporal UI's origins (COCO_TEMPORAL_UI_ORIGINS; CORS with
// credentials there, middleware/cors.ts), signed in by the login cookie scoped to this path.
import Router from '@koa/router';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import type { AesGcmPayloadCodec } from '../../../infra/payload-codec';
import { PayloadDecodeError } from '../../../infra/payload-codec';
import type { AppContextExt, AppDeps, AppState } from '../../context';
import { BadRequestError } from '../../errors';
import { can } from '../../middleware/access';

/** At most this many payloads per request (the UI sends one event's, a page's at most). */
export const MAX_CODEC_PAYLOADS = 1000;

const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
const Base64 = z.string().regex(BASE64, 'not base64');
const JsonPayloads = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), Base64).nullish(), data: Base64.nullish() }).passthrough())
    .max(MAX_CODEC_PAYLOADS),
});
type JsonPayload = z.infer<typeof JsonPayloads>['payloads'][number];

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function parse(body: unknown): Payload[] {
  const parsed = JsonPayloads.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : 'body';
    throw new BadRequestError(`${where}: ${issue.message} (expected {"payloads":[{"metadata":{"<name>":"<base64>"},"data":"<base64>"}]})`);
  }
  return parsed.data.payloads.map(fromJson);
}

export function temporalRouter(deps: AppDeps) {
  const router = new Router<AppState, AppContextExt>({ prefix: '/temporal/codec' });
  const codec: AesGcmPayloadCodec = deps.temporal.codec;

  router.post('/decode', can('temporal:codec'), async (ctx) => {
    const payloads = parse(ctx.request.body);
    const decoded = payloads.map((p, i) => {
      try {
        return codec.decrypt(p);
      } catch (err) {
        if (err instanceof PayloadDecodeError) throw new BadRequestError(`payloads[${i}]: ${err.message}`);
        throw err;
      }
    });
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { payloads: decoded.map(toJson) };
  });

  router.post('/encode', can('temporal:codec'), async (ctx) => {
    const payloads = parse(ctx.request.body);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { payloads: (await codec.encode(payloads)).map(toJson) };
  });

  return router;
}
