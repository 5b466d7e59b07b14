// Stored records and the store every resource shares (assistants, model providers, datasources, documents,
// MCP servers): create, load, replace-on-PUT, delete and ES-shaped search over one collection. Each
// resource supplies what its input becomes when stored, what may be shown of it, and its rules
// (protections before a change, invalidation after it).
import type { AnyModel } from '../models';
import { runSearch, SearchRequest, type EsResponse } from '../search/execute';
import type { SearchFields } from '../search/fields';
import { newId } from '../shared/ids';
import { Forbidden, InvalidInput, NotFound } from './errors';

/* eslint-disable @typescript-eslint/no-explicit-any -- stored documents are plain lean objects */
export type Stored = Record<string, any> & { _id: string; created: Date; updated: Date };
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface RecordSpec<Input> {
  /** Human name used in reasons: "assistant [x] is not found". */
  what: string;
  model: AnyModel;
  search: SearchFields;
  /** Input → stored fields. `existing` is set on replace, so secrets can be carried over. */
  toStored(input: Input, existing?: Stored): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** What a read may show of a record: secrets masked, serialized JSON parsed, defaults applied. */
  view(doc: Stored): Stored;
  /** What a search hit may show; defaults to view(). Used to drop secrets from listings. */
  hitView?(doc: Stored): Stored;
  beforeReplace?(existing: Stored, next: Record<string, unknown>): void | Promise<void>;
  beforeDelete?(existing: Stored): void | Promise<void>;
  afterDelete?(existing: Stored): void | Promise<void>;
  /** The reason when a write breaks a unique index (e.g. a taken username); absent: such errors pass through. */
  duplicateReason?(fields: Record<string, unknown>): string;
  /** After any write: the stored object before (absent on create) and the fields after (absent on delete). */
  afterChange?(before: Stored | undefined, after: Record<string, unknown> | undefined): void | Promise<void>;
}

export class RecordStore<Input> {
  constructor(readonly spec: RecordSpec<Input>) {}

  async find(id: string): Promise<Stored | null> {
    return (await this.spec.model.findById(id).lean()) as Stored | null;
  }

  async load(id: string): Promise<Stored> {
    const doc = await this.find(id);
    if (!doc) throw new NotFound(this.spec.what, id);
    return doc;
  }

  async insert(input: Input, id: string = newId()): Promise<Stored> {
    const fields = await this.spec.toStored(input);
    const created = await this.unique(fields, () => this.spec.model.create({ ...fields, _id: id }));
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
    await this.unique(fields, () => this.spec.model.replaceOne({ _id: existing._id }, replacement, { timestamps: false }));
    await this.spec.afterChange?.(existing, replacement);
  }

  async remove(existing: Stored): Promise<void> {
    await this.spec.beforeDelete?.(existing);
    await this.spec.model.deleteOne({ _id: existing._id });
    await this.spec.afterDelete?.(existing);
    await this.spec.afterChange?.(existing, undefined);
  }

  view(doc: Stored): Stored {
    return this.spec.view(doc);
  }

  private async unique<T>(fields: Record<string, unknown>, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (this.spec.duplicateReason && isDuplicateKey(err)) throw new InvalidInput(this.spec.duplicateReason(fields));
      throw err;
    }
  }

  /** ES-shaped search; hits show what `hitView` (or `view`) allows. */
  search(request: SearchRequest): Promise<EsResponse<Stored>> {
    const show = this.spec.hitView ?? this.spec.view;
    return runSearch(this.spec.model, this.spec.search, request, (d) => show(d as Stored));
  }
}

/** Mongo's duplicate-key error: another writer stored the same unique value first. */
export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 11000;
}

/** The id of the record an afterChange hook is told about. */
export function changedId(before: Stored | undefined, after: Record<string, unknown> | undefined): string {
  return before?._id ?? String(after?._id ?? '');
}

/**
 * Built-in records (seeded at first start) keep their name and cannot be deleted; `builtin` itself is
 * never taken from input: a new record is not built-in, a replaced one keeps what it was.
 */
export function builtinRules<Input>(reasons: { rename: string; remove: string }): Pick<RecordSpec<Input>, 'beforeReplace' | 'beforeDelete'> & {
  builtinOf(existing?: Stored): boolean;
} {
  return {
    builtinOf: (existing) => existing?.builtin ?? false,
    beforeReplace(existing, next) {
      if (existing.builtin && next.name !== existing.name) throw new Forbidden(reasons.rename);
    },
    beforeDelete(existing) {
      if (existing.builtin) throw new Forbidden(reasons.remove);
    },
  };
}
