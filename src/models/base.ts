import { Schema, SchemaDefinition } from 'mongoose';
import { newId } from '../shared/ids';

/** Every stored object: a 20-char xid `_id`, `created` and `updated` dates, no version key. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents are shaped by the API schemas
export function baseSchema(definition: SchemaDefinition, collection: string): Schema<any> {
  const schema = new Schema(
    { _id: { type: String, default: newId }, ...definition },
    { collection, versionKey: false, timestamps: { createdAt: 'created', updatedAt: 'updated' }, minimize: false },
  );
  limitReadTime(schema);
  return schema;
}

/** How long any read of the server may run on the database; searches ask for less (search/execute.ts). */
export const READ_TIME_LIMIT_MS = 15_000;

/** Every find, count and aggregation gets a server-side time limit unless it set its own. */
function limitReadTime(schema: Schema): void {
  schema.pre(['find', 'findOne', 'countDocuments', 'distinct'], function () {
    if (this.getOptions().maxTimeMS === undefined) this.maxTimeMS(READ_TIME_LIMIT_MS);
  });
  schema.pre('aggregate', function () {
    if (this.options.maxTimeMS === undefined) this.option({ maxTimeMS: READ_TIME_LIMIT_MS });
  });
}

/**
 * Free-form JSON from users (ES filters, metadata, connector configs) is stored serialized: FerretDB 1.24
 * rejects keys containing "." or starting with "$", which such JSON may contain.
 */
export function serialize(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function deserialize(value: unknown): unknown {
  if (typeof value !== 'string') return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}
