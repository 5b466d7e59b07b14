import { deserialize, serialize } from '../../../models/base';
import type { SearchFields } from '../../../search/fields';
import { baseSource, Stored } from '../resource';
import type { DatasourceInput } from './schema';
import { maskConfig, unmaskConfig } from './secrets';

export const DATASOURCE_SEARCH_FIELDS: SearchFields = {
  index: 'coco_datasource',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'category', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags'],
  hidden: ['connector.config_json'],
};

const storedConfig = (doc: Stored | undefined) => deserialize((doc?.connector as { config_json?: string } | undefined)?.config_json);

/** `existing` on replace: masked secrets sent back keep their stored values. */
export function datasourceToStored(input: DatasourceInput, existing?: Stored): Record<string, unknown> {
  const config = unmaskConfig(input.connector.config, storedConfig(existing));
  return { ...input, connector: { id: input.connector.id, config_json: serialize(config) } };
}

export function presentDatasource(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc);
  const c = (doc.connector as { id?: string; config_json?: string }) ?? {};
  out.connector = { id: c.id ?? '', config: maskConfig(deserialize(c.config_json)) };
  return out;
}
