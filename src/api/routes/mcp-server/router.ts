import Router from '@koa/router';
import type { McpServers } from '../../../domain/mcp-servers/mcp-servers';
import { McpServerInput } from '../../../domain/mcp-servers/schema';
import type { AppContextExt, AppState } from '../../context';
import { resourceRoutes } from '../resource';

export function mcpServerRouter(servers: McpServers) {
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/mcp_server' }), servers.store, McpServerInput, {
    read: 'mcp_server:read',
    write: 'mcp_server:write',
    notFound: 'found',
    // A chat picks servers by name; how they are reached (commands, URLs, env) is the admin's business.
    scope: () => ({ view: ({ config: _config, ...rest }) => rest as typeof rest & { _id: string; created: Date; updated: Date } }),
  });
}
