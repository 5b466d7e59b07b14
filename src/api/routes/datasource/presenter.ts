import { deserialize, serialize } from '../../../models/base';
import type { SearchFields } from '../../../search/fields';
import { baseSource, Stored } from '../resource';
import type { DatasourceInput } from './schema';

export const DATASOURCE_SEARCH_FIELDS: SearchFields = {
  index: 'coco_datasource',
  defaultFields: ['name', 'combined_fulltext'],
  fulltext: ['name', 'description', 'category', 'tags'],
  dates: ['created', 'updated'],
  arrays: ['tags'],
  hidden: ['connector.config_json'],
};

export function datasourceToStored(input: DatasourceInput): Record<string, unknown> {
  return { ...input, connector: { id: input.connector.id, config_json: serialize(input.connector.config) } };
}

export function presentDatasource(doc: Stored): Record<string, unknown> {
  const out = baseSource(doc);
  const c = (doc.connector as { id?: string; config_json?: string }) ?? {};
  out.connector = { id: c.id ?? '', config: deserialize(c.config_json) };
  return out;
}
