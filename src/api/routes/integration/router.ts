// Integrations (web widgets, coco-api.md §7.4): admin CRUD under /integration/, and the public
// GET /integration/:id/widget with what an embedding page needs (its modules, look and widget token).
import Router from '@koa/router';
import type { Integrations } from '../../../domain/integrations/integrations';
import { IntegrationInput } from '../../../domain/integrations/schema';
import type { AppContextExt, AppState } from '../../context';
import { can } from '../../middleware/access';
import { notFoundAs } from '../../middleware/errors';
import { resourceRoutes } from '../resource';

export function integrationRouter(integrations: Integrations, endpoint: string) {
  return resourceRoutes(new Router<AppState, AppContextExt>({ prefix: '/integration' }), integrations.store, IntegrationInput, {
    read: 'integration:manage',
    write: 'integration:manage',
    notFound: 'found',
  }).get('/:id/widget', can('public'), notFoundAs('found'), async (ctx) => {
    ctx.body = await integrations.widget(ctx.params.id as string, endpoint);
  });
}
