// Handlers shared by the resource APIs (assistants, model providers, datasources, documents, MCP servers):
// Coco's write envelopes, replace-on-PUT, and ES-shaped search. Each resource supplies how its input is
// stored and how stored documents are presented; its router picks the handlers it needs.
import type { AnyModel } from '../../models';
import { NotFoundError } from '../errors';
import type Router from '@koa/router';
import type { z } from 'zod';
import type { AppContext, AppContextExt, AppState } from '../context';
import { validate } from '../middleware/validate';
import { SearchFields } from '../../search/fields';
import { runSearch, toSearchRequest } from '../../search/execute';
import { QueryParams, queryStringToEs } from '../../search/query-string';
import { newId } from '../../shared/ids';
import { rfc3339 } from '../../shared/time';

/* eslint-disable @typescript-eslint/no-explicit-any -- stored documents are plain lean objects */
export type Stored = Record<string, any> & { _id: string; created: Date; updated: Date };

export interface ResourceSpec<Input> {
  /** Human name used in reasons: "assistant [x] is not found". */
  what: string;
  model: AnyModel;
  search: SearchFields;
  notFoundShape?: 'result' | 'found';
  /** Input → stored fields. `existing` is set on replace, so secrets can be carried over. */
  toStored(input: Input, existing?: Stored): Record<string, unknown> | Promise<Record<string, unknown>>;
  present(doc: Stored): Record<string, unknown>;
  /** Search hits; defaults to present(). Used to drop secrets from listings. */
  presentHit?(doc: Stored): Record<string, unknown>;
  beforeReplace?(existing: Stored, next: Record<string, unknown>): void | Promise<void>;
  beforeDelete?(existing: Stored): void | Promise<void>;
  afterDelete?(existing: Stored): void | Promise<void>;
  /** After any write: the stored object before (absent on create) and the fields after (absent on delete). */
  afterChange?(before: Stored | undefined, after: Record<string, unknown> | undefined): void | Promise<void>;
}

export class Resource<Input> {
  constructor(readonly spec: ResourceSpec<Input>) {}

  async load(id: string): Promise<Stored> {
    const doc = (await this.spec.model.findById(id).lean()) as Stored | null;
    if (!doc) throw new NotFoundError(id, this.spec.notFoundShape ?? 'result', this.spec.what);
    return doc;
  }

  async insert(input: Input, id: string = newId()): Promise<Stored> {
    const fields = await this.spec.toStored(input);
    const created = await this.spec.model.create({ ...fields, _id: id });
    const stored = created.toObject() as Stored;
    await this.spec.afterChange?.(undefined, stored);
    return stored;
  }

  /** PUT semantics: the stored object is replaced; id and created are kept. */
  async replace(existing: Stored, input: Input): Promise<void> {
    const fields = await this.spec.toStored(input, existing);
    await this.spec.beforeReplace?.(existing, fields);
    const doc = new this.spec.model({ ...fields, _id: existing._id });
    await doc.validate();
    const replacement = { ...doc.toObject(), created: existing.created, updated: new Date() };
    await this.spec.model.replaceOne({ _id: existing._id }, replacement, { timestamps: false });
    await this.spec.afterChange?.(existing, replacement);
  }

  create = async (ctx: AppContext) => {
    const doc = await this.insert(ctx.state.input as Input);
    ctx.body = { _id: doc._id, result: 'created' };
  };

  get = async (ctx: AppContext) => {
    const doc = await this.load(ctx.params.id as string);
    ctx.body = { _id: doc._id, found: true, _source: this.spec.present(doc) };
  };

  update = async (ctx: AppContext) => {
    const existing = await this.load(ctx.params.id as string);
    await this.replace(existing, ctx.state.input as Input);
    ctx.body = { _id: existing._id, result: 'updated' };
  };

  remove = async (ctx: AppContext) => {
    const existing = await this.load(ctx.params.id as string);
    await this.spec.beforeDelete?.(existing);
    await this.spec.model.deleteOne({ _id: existing._id });
    await this.spec.afterDelete?.(existing);
    await this.spec.afterChange?.(existing, undefined);
    ctx.body = { _id: existing._id, result: 'deleted' };
  };

  /** Coco's resource routes on `router`: POST /, GET|POST /_search, GET|PUT|DELETE /:id. */
  routes(router: Router<AppState, AppContextExt>, schema: z.ZodType): Router<AppState, AppContextExt> {
    return router
      .post('/', validate(schema), this.create)
      .get('/_search', this.search)
      .post('/_search', this.search)
      .get('/:id', this.get)
      .put('/:id', validate(schema), this.update)
      .delete('/:id', this.remove);
  }

  search = async (ctx: AppContext) => {
    const { defaultFields } = this.spec.search;
    const qs = queryStringToEs(ctx.query as QueryParams, defaultFields);
    const request = toSearchRequest(qs, ctx.request.body);
    const present = this.spec.presentHit ?? this.spec.present;
    ctx.body = await runSearch(this.spec.model, this.spec.search, request, (d) => present(d as Stored));
  };
}

/** The common part of every presented object: id and RFC3339 timestamps first, internals dropped. */
export function baseSource(doc: Stored, omit: string[] = []): Record<string, unknown> {
  const { _id, created, updated, ...rest } = doc;
  for (const k of omit) delete rest[k];
  return { id: _id, created: rfc(created), updated: rfc(updated), ...rest };
}

function rfc(d: Date | undefined): string | undefined {
  return d ? rfc3339(d) : undefined;
}
