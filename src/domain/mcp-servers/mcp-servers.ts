// MCP servers: their records, which of them a chat may use, and how a worker connects to one.
import type { Models } from '../../models';
import type { McpServerConfig } from '../../shared/tools';
import { InvalidInput } from '../errors';
import { RecordStore, Stored } from '../record';
import { MCP_SEARCH_FIELDS, mcpServerHitView, mcpServerView, mcpToStored, runtimeConfig } from './records';
import type { McpServerInput } from './schema';

export class McpServers {
  readonly store: RecordStore<McpServerInput>;

  constructor(
    private readonly models: Models,
    /** What a stdio server may run (COCO_MCP_STDIO_COMMANDS): exact command names; empty = stdio off. */
    private readonly stdioCommands: readonly string[],
  ) {
    this.store = new RecordStore<McpServerInput>({
      what: 'MCP server',
      model: models.McpServer,
      search: MCP_SEARCH_FIELDS,
      toStored: (input, existing) => {
        if (input.type === 'stdio') this.checkCommand(input.config.command);
        return mcpToStored(input, existing);
      },
      view: mcpServerView,
      hitView: mcpServerHitView,
    });
  }

  /** Ids of the enabled servers among `ids` ("*" = every enabled server). */
  async enabledIds(ids: string[]): Promise<string[]> {
    const filter = ids.includes('*') ? { enabled: { $ne: false } } : { _id: { $in: ids }, enabled: { $ne: false } };
    return ((await this.models.McpServer.find(filter).select('_id').lean()) as Array<{ _id: string }>).map((s) => s._id);
  }

  /** Refuses a stdio command that is not on the operator's list (the command runs on the worker). */
  checkCommand(command: string): void {
    if (this.stdioCommands.length === 0) throw new InvalidInput('config.command: stdio MCP servers are turned off on this server (COCO_MCP_STDIO_COMMANDS is empty)');
    if (!this.stdioCommands.includes(command)) {
      throw new InvalidInput(`config.command: "${command}" is not an allowed stdio command; COCO_MCP_STDIO_COMMANDS allows: ${this.stdioCommands.join(', ')}`);
    }
  }

  /**
   * How to connect to the server; null when it is gone or disabled, or a stdio server whose command is
   * no longer allowed (stored before the list was set or narrowed): the worker never runs it.
   */
  async connection(id: string): Promise<McpServerConfig | null> {
    const doc = await this.store.find(id);
    const config = doc ? runtimeConfig(doc as Stored) : null;
    if (config?.type === 'stdio' && !this.stdioCommands.includes(config.command ?? '')) return null;
    return config;
  }
}
