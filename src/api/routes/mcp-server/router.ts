import Router from '@koa/router';
import type { McpServers } from '../../../domain/mcp-servers/mcp-servers';
import { McpServerInput } from '../../../domain/mcp-servers/schema';
import type { AppContextExt, AppState } from '../../context';
import { resourceRoutes } from '../resource';

export function mcpServerRouter(servers: McpServers) {
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/mcp_server' }), servers.store, McpServerInput, 'found');
}
