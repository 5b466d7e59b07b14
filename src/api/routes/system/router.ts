// Public routes: GET /health and GET /provider/_info (which adds stats for a signed-in caller); and
// GET /metrics (Prometheus text, permission `metrics`: admins).
import { METRICS_CONTENT_TYPE, metricsText } from '../../../infra/metrics';
import Router from '@koa/router';
import type { AppContextExt, AppDeps, AppState } from '../../context';
import { can } from '../../middleware/access';
import { checkServices } from './health';

export const SERVER_VERSION = '0.7.1';

export function systemRouter(deps: AppDeps) {
  const router = new Router<AppState, AppContextExt>();

  router.get('/health', can('public'), async (ctx) => {
    const { healthy, services } = await checkServices(deps);
    ctx.status = healthy ? 200 : 503;
    ctx.body = { status: healthy ? 'green' : 'red', services };
  });

  router.get('/provider/_info', can('public'), async (ctx) => {
    const { healthy, services } = await checkServices(deps);
    const user = ctx.state.user;
    ctx.body = {
      name: 'Coco Server',
      endpoint: deps.config.publicUrl,
      provider: {
        name: 'Coco Durable Server',
        icon: '',
        website: '',
        eula: '',
        privacy_policy: '',
        banner: '',
        description: 'A durable, Coco-compatible AI assistant server.',
      },
      version: { number: SERVER_VERSION },
      minimal_client_version: { number: '0.3.0' },
      updated: new Date().toISOString(),
      public: false,
      auth_provider: { sso: { url: '' } },
      health: { status: healthy ? 'green' : 'red', services: Object.fromEntries(Object.entries(services).map(([k, v]) => [k, v.status === 'ok' ? 'green' : 'red'])) },
      setup_required: false,
      ...(user && { stats: { assistant_count: await deps.domain.assistants.count() } }),
    };
  });

  router.get('/metrics', can('metrics'), async (ctx) => {
    ctx.type = METRICS_CONTENT_TYPE;
    ctx.body = await metricsText();
  });

  return router;
}
