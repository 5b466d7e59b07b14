import Router from '@koa/router';
import type { Models } from '../../../models';
import type { AppContextExt, AppMiddleware, AppState } from '../../context';
import { validate } from '../../middleware/validate';
import { Resource } from '../resource';
import { MCP_SEARCH_FIELDS, mcpToStored, presentMcpServer, presentMcpServerHit } from './presenter';
import { McpServerInput } from './schema';

export function mcpServerRouter(models: Models, auth: AppMiddleware) {
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
    .post('/', auth, validate(McpServerInput), servers.create)
    .get('/_search', auth, servers.search)
    .post('/_search', auth, servers.search)
    .get('/:id', auth, servers.get)
    .put('/:id', auth, validate(McpServerInput), servers.update)
    .delete('/:id', auth, servers.remove);
  return router;
}
