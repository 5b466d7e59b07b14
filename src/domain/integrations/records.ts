// An integration as stored ↔ what its widget token may do, and what its public widget endpoint shows.
import { knownPaths, type SearchFields } from '../../search/fields';
import type { Stored } from '../record';
import type { IntegrationLimits } from '../users';
import { integrationSchema } from '../../models/integration';

export const INTEGRATION_SEARCH_FIELDS: SearchFields = {
  index: 'coco_integration',
  defaultFields: ['name', 'description'],
  fulltext: ['name', 'description'],
  dates: ['created', 'updated'],
  hidden: ['token'],
  known: knownPaths(integrationSchema),
};

type Modules = { search?: { enabled?: boolean; datasource?: string[] }; ai_chat?: { enabled?: boolean; assistants?: string[] } };

/** The limits of the integration's token: a module switched off allows nothing. */
export function limitsOf(doc: Stored): IntegrationLimits {
  const m = (doc.enabled_module ?? {}) as Modules;
  const cors = (doc.cors ?? {}) as { enabled?: boolean; allowed_origins?: string[] };
  return {
    id: doc._id,
    assistants: m.ai_chat?.enabled === false ? [] : (m.ai_chat?.assistants ?? []),
    datasources: m.search?.enabled === false ? [] : (m.search?.datasource ?? []),
    origins: cors.enabled === false ? [] : (cors.allowed_origins ?? []),
  };
}

/** What an embedding page needs (public): its modules, look and token; never the service user or token id. */
export function widgetView(doc: Stored, endpoint: string): Record<string, unknown> {
  return {
    id: doc._id,
    name: doc.name,
    type: doc.type,
    hotkey: doc.hotkey,
    enabled_module: doc.enabled_module,
    access_control: doc.access_control,
    appearance: doc.appearance,
    token: doc.token,
    endpoint,
  };
}
