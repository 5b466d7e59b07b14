// Coco's resource routes (assistants, model providers, datasources, documents, MCP servers) over a domain
// record store: POST /, GET|POST /_search, GET|PUT|DELETE /:id, with Coco's write envelopes.
import type Router from '@koa/router';
import type { z } from 'zod';
import type { RecordStore } from '../../domain/record';
import { toSearchRequest } from '../../search/execute';
import { QueryParams, queryStringToEs } from '../../search/query-string';
import type { AppContext, AppContextExt, AppState, NotFoundShape } from '../context';
import { notFoundAs } from '../middleware/errors';
import { validate } from '../middleware/validate';
import { present, presentHits } from './present';

export function resourceRoutes<Input>(
  router: Router<AppState, AppContextExt>,
  store: RecordStore<Input>,
  schema: z.ZodType,
  notFound: NotFoundShape = 'result',
): Router<AppState, AppContextExt> {
  const create = async (ctx: AppContext) => {
    const doc = await store.insert(ctx.state.input as Input);
    ctx.body = { _id: doc._id, result: 'created' };
  };

  const get = async (ctx: AppContext) => {
    const doc = await store.load(ctx.params.id as string);
    ctx.body = { _id: doc._id, found: true, _source: present(store.view(doc)) };
  };

  const update = async (ctx: AppContext) => {
    const existing = await store.load(ctx.params.id as string);
    await store.replace(existing, ctx.state.input as Input);
    ctx.body = { _id: existing._id, result: 'updated' };
  };

  const remove = async (ctx: AppContext) => {
    const existing = await store.load(ctx.params.id as string);
    await store.remove(existing);
    ctx.body = { _id: existing._id, result: 'deleted' };
  };

  const search = async (ctx: AppContext) => {
    const qs = queryStringToEs(ctx.query as QueryParams, store.spec.search.defaultFields);
    const res = await store.search(toSearchRequest(qs, ctx.request.body));
    ctx.body = presentHits(res, (doc) => present(doc));
  };

  const shape = notFoundAs(notFound);
  return router
    .post('/', validate(schema), create)
    .get('/_search', search)
    .post('/_search', search)
    .get('/:id', shape, get)
    .put('/:id', shape, validate(schema), update)
    .delete('/:id', shape, remove);
}
