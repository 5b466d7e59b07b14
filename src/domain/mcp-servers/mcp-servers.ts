// MCP servers: their records, which of them a chat may use, and how a worker connects to one.
import type { Models } from '../../models';
import type { McpServerConfig } from '../../shared/tools';
import { RecordStore, Stored } from '../record';
import { MCP_SEARCH_FIELDS, mcpServerHitView, mcpServerView, mcpToStored, runtimeConfig } from './records';
import type { McpServerInput } from './schema';

export class McpServers {
  readonly store: RecordStore<McpServerInput>;

  constructor(private readonly models: Models) {
    this.store = new RecordStore<McpServerInput>({
      what: 'MCP server',
      model: models.McpServer,
      search: MCP_SEARCH_FIELDS,
      toStored: mcpToStored,
      view: mcpServerView,
      hitView: mcpServerHitView,
    });
  }

  /** Ids of the enabled servers among `ids` ("*" = every enabled server). */
  async enabledIds(ids: string[]): Promise<string[]> {
    const filter = ids.includes('*') ? { enabled: { $ne: false } } : { _id: { $in: ids }, enabled: { $ne: false } };
    return ((await this.models.McpServer.find(filter).select('_id').lean()) as Array<{ _id: string }>).map((s) => s._id);
  }

  /** How to connect to the server; null when it is gone or disabled. */
  async connection(id: string): Promise<McpServerConfig | null> {
    const doc = await this.store.find(id);
    return doc ? runtimeConfig(doc as Stored) : null;
  }
}
