// A datasource as stored ↔ as read: its connector config is free-form JSON (kept serialized) that may hold
// credentials, masked on GET and in hits and kept when a PUT sends the mask back.
import { deserialize, serialize } from '../../models/base';
import { knownPaths, type SearchFields } from '../../search/fields';
import type { Stored } from '../record';
import { revealable, secretPaths, unmaskConfig } from '../secrets';
import type { DatasourceInput } from './schema';
import { datasourceSchema } from '../../models/datasource';

export const DATASOURCE_SEARCH_FIELDS: SearchFields = {
  index: 'coco_datasource',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'category', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags'],
  hidden: secretPaths('datasource'),
  known: knownPaths(datasourceSchema),
};

const storedConfig = (doc: Stored | undefined) => deserialize((doc?.connector as { config_json?: string } | undefined)?.config_json);

/** `existing` on replace: masked secrets sent back keep their stored values. */
export function datasourceToStored(input: DatasourceInput, existing?: Stored): Record<string, unknown> {
  const config = unmaskConfig(input.connector.config, storedConfig(existing), 'connector.config');
  return { ...input, connector: { id: input.connector.id, config_json: serialize(config) } };
}

/** GET and hits: the connector's settings parsed, their credentials masked. */
export function datasourceView(doc: Stored): Stored {
  const shown = revealable('datasource', doc, 'read');
  const c = (shown.connector as { id?: string; config?: unknown }) ?? {};
  return { ...shown, connector: { id: c.id ?? '', config: c.config ?? null } };
}

/** An enabled datasource as a chat names it to the intent step. */
export interface DatasourceRef {
  id: string;
  name: string;
  description: string;
}
