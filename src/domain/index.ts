// The domain layer: what each record means (defaults on load, what is secret, versions and invalidation,
// typed errors), over the models. The API presents what it returns; the worker's steps read and write
// through it. Both processes build one with createDomain.
import type { BlobStore } from '../infra/blob-store';
import type { Redis } from '../infra/redis';
import { type RegexDialect, useRegexDialect } from '../search/es-query';
import { versionKeys } from '../infra/versions';
import type { Models } from '../models';
import { Assistants } from './assistants/assistants';
import { Attachments } from './attachments/attachments';
import { Datasources } from './datasources/datasources';
import { Documents } from './documents/documents';
import { Integrations } from './integrations/integrations';
import { McpServers } from './mcp-servers/mcp-servers';
import { Providers } from './providers/providers';
import { Messages } from './sessions/messages';
import { Sessions } from './sessions/sessions';
import { Accounts } from './accounts/accounts';
import { Users } from './accounts/users';
import { Credentials } from './auth/credentials';
import { LoginThrottle } from './auth/login-throttle';
import { Tokens } from './auth/tokens';

export interface DomainDeps {
  models: Models;
  /** Uploaded files' bytes (infra/mongo.ts opens it with the connection). */
  blobs: BlobStore;
  redis: Redis;
  /** The Redis key prefix of this deployment (config.redis.prefix). */
  redisPrefix: string;
  /** The commands a stdio MCP server may run (config.mcp.stdioCommands); absent: the default list. */
  stdioCommands?: string[];
  /** What runs the store's regexes (infra/mongo.ts): wildcard searches are compiled for it. */
  regexDialect?: RegexDialect;
}

export const DEFAULT_STDIO_COMMANDS = ['npx', 'uvx', 'node'];

export function createDomain({ models, blobs, redis, redisPrefix, stdioCommands = DEFAULT_STDIO_COMMANDS, regexDialect }: DomainDeps) {
  if (regexDialect) useRegexDialect(regexDialect);
  const versions = versionKeys(redisPrefix);
  // Documents tell their datasource when they change; the datasources own the change log.
  const documents = new Documents(models, (id: string, docId: string): Promise<void> => datasources.touch(id, docId));
  const datasources = new Datasources(models, redis, redisPrefix, documents);
  // A saved reply moves its session's last activity on, through the sessions' one writer.
  const messages: Messages = new Messages(models, (id: string, at: Date): Promise<void> => sessions.touchActivity(id, at));
  const sessions: Sessions = new Sessions(models, redis, versions, messages, redisPrefix);
  const credentials = new Credentials(models, redis, `${redisPrefix}auth:changes`);
  const users = new Users(models, credentials);
  return {
    credentials,
    users,
    integrations: new Integrations(models, credentials),
    accounts: new Accounts(models, users, credentials, new LoginThrottle(redis, redisPrefix)),
    assistants: new Assistants(models, redis, versions),
    attachments: new Attachments(models, blobs),
    providers: new Providers(models, redis, versions),
    datasources,
    documents,
    mcpServers: new McpServers(models, stdioCommands),
    messages,
    sessions,
    tokens: new Tokens(models, credentials),
  };
}

export type Domain = ReturnType<typeof createDomain>;
