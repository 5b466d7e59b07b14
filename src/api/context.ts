import type { Middleware, ParameterizedContext, Request } from 'koa';
import type { Config } from '../config';
import type { Domain } from '../domain';
import type { User } from '../domain/users';
import type { Logger } from '../infra/logger';
import type { TraceContext } from '../infra/tracing';
import type { Mongo } from '../infra/mongo';
import type { Redis } from '../infra/redis';
import type { Temporal } from '../infra/temporal';
import type { RedisHub } from '../bus/hub';

/** What the API process hands to its routes. */
export interface AppDeps {
  config: Readonly<Config>;
  logger: Logger;
  mongo: Mongo;
  redis: Redis;
  temporal: Temporal;
  /** The process's one Redis subscriber, shared by every stream and socket. */
  hub: RedisHub;
  domain: Domain;
}

/** How a route answers for a record that does not exist (see middleware/errors.ts). */
export type NotFoundShape = 'result' | 'found';

export interface AppState {
  requestId: string;
  log: Logger;
  /** The request's trace context, when tracing is on (middleware/tracing.ts): passed on explicitly. */
  trace?: TraceContext;
  user?: User;
  /** The request body after validation (see middleware/validate.ts). */
  input?: unknown;
  notFoundShape?: NotFoundShape;
}

/** What routes add to Koa's context: path params, and the parsed JSON body (middleware/body.ts). */
export interface AppContextExt {
  params: Record<string, string>;
  request: Request & { body?: unknown };
}

export type AppContext = ParameterizedContext<AppState, AppContextExt>;

export type AppMiddleware = Middleware<AppState, AppContextExt>;
