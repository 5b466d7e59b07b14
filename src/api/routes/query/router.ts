// Coco's unified search: GET|POST /query/_search (see ./search.ts).
import Router from '@koa/router';
import { SearchClient } from '../../../bus/search-requests';
import type { AppContextExt, AppDeps, AppState } from '../../context';
import { can } from '../../middleware/access';
import { unifiedSearch } from './search';

export function queryRouter(deps: AppDeps, waitMs?: number) {
  const search = unifiedSearch({
    client: new SearchClient(deps.redis, deps.hub, deps.config.redis.prefix, waitMs),
    datasources: deps.domain.datasources,
    assistants: deps.domain.assistants,
  });
  return new Router<AppState, AppContextExt>({ prefix: '/query' }).get('/_search', can('search'), search).post('/_search', can('search'), search);
}
