// Coco's resource routes (assistants, model providers, datasources, documents, MCP servers) over a domain
// record store: POST /, GET|POST /_search, GET|PUT|DELETE /:id, with Coco's write envelopes. Reads need
// the resource's read permission, writes its write permission; a caller who is not an admin may see less
// (only enabled assistants, no provider keys or connector configs): the resource's `scope` says what.
import type Router from '@koa/router';
import type { z } from 'zod';
import { isAdmin, type Permission } from '../../domain/access';
import { NotFound } from '../../domain/errors';
import type { RecordStore, Stored } from '../../domain/record';
import type { User } from '../../domain/users';
import { toSearchRequest } from '../../search/execute';
import { QueryParams, queryStringToEs } from '../../search/query-string';
import type { AppContext, AppContextExt, AppState, NotFoundShape } from '../context';
import { can } from '../middleware/access';
import { notFoundAs } from '../middleware/errors';
import { validate } from '../middleware/validate';
import { present, presentHits } from './present';

/** What a caller who is not an admin may read of a resource. */
export interface ReadScope {
  /** An ES filter clause AND-ed to every search (e.g. enabled only). */
  clause?: unknown;
  /** Whether GET /:id may show the record (else it is "not found"). */
  visible?(doc: Stored): boolean;
  /** What is left of a record for this caller (applied after the store's own view). */
  view?(doc: Stored): Stored;
}

export interface ResourceAccess {
  read: Permission;
  write: Permission;
  /** The scope of a caller who is not an admin; absent: they read what admins read. */
  scope?(user: User): ReadScope;
  notFound?: NotFoundShape;
  /** The body schema of PUT when it differs from POST's (e.g. a password required only on create). */
  updateSchema?: z.ZodType;
}

const scopeOf = (ctx: AppContext, access: ResourceAccess): ReadScope => {
  const user = ctx.state.user as User;
  return isAdmin(user.roles) || !access.scope ? {} : access.scope(user);
};

export function resourceRoutes<Input>(router: Router<AppState, AppContextExt>, store: RecordStore<Input>, schema: z.ZodType, access: ResourceAccess): Router<AppState, AppContextExt> {
  const create = async (ctx: AppContext) => {
    const doc = await store.insert(ctx.state.input as Input);
    ctx.body = { _id: doc._id, result: 'created' };
  };

  const get = async (ctx: AppContext) => {
    const scope = scopeOf(ctx, access);
    const doc = await store.load(ctx.params.id as string);
    if (scope.visible && !scope.visible(doc)) throw new NotFound(store.spec.what, doc._id);
    const view = store.view(doc);
    ctx.body = { _id: doc._id, found: true, _source: present(scope.view ? scope.view(view) : view) };
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
    const scope = scopeOf(ctx, access);
    const qs = queryStringToEs(ctx.query as QueryParams, store.spec.search.defaultFields);
    const request = toSearchRequest(qs, ctx.request.body);
    if (scope.clause) request.clauses.push(scope.clause);
    const res = await store.search(request);
    ctx.body = presentHits(res, (doc) => present(scope.view ? scope.view(doc) : doc));
  };

  const shape = notFoundAs(access.notFound ?? 'result');
  const read = can(access.read);
  const write = can(access.write);
  return router
    .post('/', write, validate(schema), create)
    .get('/_search', read, search)
    .post('/_search', read, search)
    .get('/:id', read, shape, get)
    .put('/:id', write, shape, validate(access.updateSchema ?? schema), update)
    .delete('/:id', write, shape, remove);
}
