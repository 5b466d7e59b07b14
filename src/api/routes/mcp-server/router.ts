import Router from '@koa/router';
import type { Models } from '../../../models';
import type { AppContextExt, AppState } from '../../context';
import { Resource } from '../resource';
import { MCP_SEARCH_FIELDS, mcpToStored, presentMcpServer, presentMcpServerHit } from './presenter';
import { McpServerInput } from './schema';

export function mcpServerRouter(models: Models) {
  const servers = new Resource<McpServerInput>({
    what: 'MCP server',
    model: models.McpServer,
    search: MCP_SEARCH_FIELDS,
    notFoundShape: 'found',
    toStored: mcpToStored,
    present: presentMcpServer,
    presentHit: presentMcpServerHit,
  });
  return servers.routes(new Router<AppState, AppContextExt>({ prefix: '/mcp_server' }), McpServerInput);
}
