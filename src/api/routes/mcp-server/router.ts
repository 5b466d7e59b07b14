import Router from '@koa/router';
import type { Models } from '../../../models';
import type { AppContextExt, AppState } from '../../context';
import { validate } from '../../middleware/validate';
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
  const router = new Router<AppState, AppContextExt>({ prefix: '/mcp_server' });
  router
    .post('/', validate(McpServerInput), servers.create)
    .get('/_search', servers.search)
    .post('/_search', servers.search)
    .get('/:id', servers.get)
    .put('/:id', validate(McpServerInput), servers.update)
    .delete('/:id', servers.remove);
  return router;
}
