// The Koa application: middleware order is the request's path through the API.
import Koa, { Next } from 'koa';
import type { Chat } from './chat';
import type { AppContext, AppContextExt, AppDeps, AppState } from './context';
import { MethodNotAllowedError, RouteNotFoundError } from './errors';
import { authenticate, integrationOrigins, publicRouteMatcher } from './middleware/access';
import { jsonBody } from './middleware/body';
import { cors } from './middleware/cors';
import { errorEnvelope } from './middleware/errors';
import { httpMetrics } from './middleware/metrics';
import { requestLog } from './middleware/request-log';
import { traceRequests } from './middleware/tracing';
import { tracingEnabled } from '../infra/tracing';
import { isUiPath, staticUi } from './middleware/static';
import { assistantRouter } from './routes/assistant/router';
import { attachmentRouter } from './routes/attachment/router';
import { accountRouter } from './routes/account/router';
import { authRouter } from './routes/auth/router';
import { chatRouter } from './routes/chat/router';
import { datasourceRouter } from './routes/datasource/router';
import { documentRouter } from './routes/document/router';
import { integrationRouter } from './routes/integration/router';
import { mcpServerRouter } from './routes/mcp-server/router';
import { modelProviderRouter } from './routes/model-provider/router';
import { openAiRouter } from './routes/openai/router';
import { queryRouter } from './routes/query/router';
import { systemRouter } from './routes/system/router';
import { temporalRouter } from './routes/temporal/router';
import { userRouter } from './routes/user/router';

/** Runs after the routers: nothing answered → 404 envelope; a known path with another method → 405. */
function unmatchedRoutes() {
  return async (ctx: AppContext, next: Next) => {
    await next();
    if (ctx.body !== undefined && ctx.body !== null) return;
    if (ctx.status === 405) throw new MethodNotAllowedError(ctx.method, ctx.path);
    if (ctx.status === 404) throw new RouteNotFoundError(ctx.method, ctx.path);
  };
}

/** Every router of the API; each route's first middleware declares who may call it (middleware/access.ts). */
export function apiRouters(deps: AppDeps, chat: Chat) {
  const { domain } = deps;
  return [
    systemRouter(deps),
    accountRouter(domain.accounts),
    authRouter(domain.tokens),
    userRouter(domain.users),
    integrationRouter(domain.integrations, deps.config.publicUrl),
    assistantRouter(domain.assistants),
    modelProviderRouter(domain.providers),
    datasourceRouter(domain.datasources),
    documentRouter(domain.documents),
    mcpServerRouter(domain.mcpServers),
    chatRouter(chat, deps.config.temporal),
    openAiRouter(chat, domain.assistants),
    queryRouter(deps),
    attachmentRouter(deps),
    temporalRouter(deps),
  ];
}

export function createApp(deps: AppDeps, chat: Chat): Koa<AppState, AppContextExt> {
  const app = new Koa<AppState, AppContextExt>();
  app.proxy = false;
  const routers = apiRouters(deps, chat);
  const publicRoute = publicRouteMatcher(routers);
  // The admin UI's files (GET /, /assets/*, the favicon) are public: the UI signs in itself.
  const isPublic = (ctx: AppContext) => isUiPath(ctx.method, ctx.path) || publicRoute(ctx.method, ctx.path);

  if (tracingEnabled()) app.use(traceRequests()); // first: every log line of the request carries its trace id
  app.use(requestLog(deps.logger));
  app.use(httpMetrics(routers, (ctx) => isUiPath(ctx.method, ctx.path)));
  app.use(errorEnvelope());
  app.use(cors(deps.config.corsOrigins, deps.config.temporal.uiOrigins));
  app.use(staticUi());
  app.use(authenticate(deps.domain.credentials, isPublic));
  app.use(integrationOrigins());
  app.use(jsonBody(deps.config.bodyLimitBytes));
  app.use(unmatchedRoutes());
  for (const router of routers) app.use(router.routes()).use(router.allowedMethods({ throw: false }));

  // Errors that escape the envelope (they should not) are logged, never printed with request data.
  app.on('error', (err) => deps.logger.error({ err }, 'koa error'));
  return app;
}
