// First-start work, idempotent on every start: built-in records, the admin user and the admin token.
import { randomBytes } from 'node:crypto';
import type { Config } from '../config';
import { hashPassword } from './accounts/passwords';
import type { Logger } from '../infra/logger';
import type { Models } from '../models';
import { AI_OVERVIEW_ROLE_PROMPT } from '../shared/prompts';
import { assistantToStored } from './assistants/records';
import { AssistantInput } from './assistants/schema';
import { isDuplicateKey } from './record';
import { SessionListing } from './sessions/listing';
import { generateToken, hashToken, storeToken } from './auth/tokens';
import { ADMIN_USER } from './users';

export const BUILTIN_PROVIDER_ID = 'coco';

export interface BootstrapResult {
  /** Set only when this start created a random admin token: it is shown once and never again. */
  createdAdminToken?: string;
  /** Set only when this start created the admin user with a random password (no COCO_ADMIN_PASSWORD). */
  createdAdminPassword?: string;
}

/** A random password that is easy to copy: 24 URL-safe characters. */
function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

async function insertOnce(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false; // another process seeded it first
    throw err;
  }
}

export function builtinAssistants(config: Pick<Config, 'llm'>) {
  const answering = config.llm
    ? { provider_id: BUILTIN_PROVIDER_ID, name: config.llm.model, settings: {} }
    : { provider_id: '', name: '', settings: {} };
  const base = { tools: { enabled: false }, keepalive: '30m', enabled: true };
  return {
    default: AssistantInput.parse({
      ...base,
      name: 'Coco AI',
      description: 'The default AI chat assistant.',
      icon: 'font_Robot-outlined',
      type: 'simple',
      answering_model: answering,
      datasource: { enabled: true, ids: ['*'], visible: true },
      mcp_servers: { enabled: true, ids: ['*'], visible: true },
    }),
    ai_overview: AssistantInput.parse({
      ...base,
      name: 'AI Overview',
      description: 'Summarises the current search results.',
      icon: 'font_Brain02',
      type: 'simple',
      role_prompt: AI_OVERVIEW_ROLE_PROMPT,
      answering_model: { ...answering, prompt: { template: '{{.query}}', input_vars: null } },
      datasource: { enabled: false, ids: [], visible: false },
      mcp_servers: { enabled: false, ids: [], visible: false },
    }),
  };
}

export async function bootstrap(models: Models, config: Readonly<Config>, log: Logger): Promise<BootstrapResult> {
  if (config.llm) {
    const created = await insertOnce(() =>
      models.ModelProvider.create({
        _id: BUILTIN_PROVIDER_ID,
        name: 'Coco AI',
        description: 'OpenAI-compatible provider configured at first start (COCO_LLM_BASE_URL).',
        api_type: 'openai',
        base_url: config.llm!.baseUrl,
        api_key: config.llm!.apiKey ?? '',
        models: [{ name: config.llm!.model }],
        enabled: true,
        builtin: true,
      }),
    );
    if (created) log.info({ base_url: config.llm.baseUrl, model: config.llm.model }, 'seeded the built-in model provider');
  }

  for (const [id, input] of Object.entries(builtinAssistants(config))) {
    if (await insertOnce(() => models.Assistant.create({ ...assistantToStored(input), _id: id, builtin: true }))) {
      log.info({ id }, 'seeded built-in assistant');
    }
  }

  const numbered = await new SessionListing(models).numberOlderSessions();
  if (numbered > 0) log.info({ sessions: numbered }, 'numbered the sessions stored before listings were paged');

  const result: BootstrapResult = {};
  const password = config.adminPassword ?? generatePassword();
  const admin = { _id: ADMIN_USER.id, username: ADMIN_USER.username, name: 'Administrator', roles: ADMIN_USER.roles };
  if (!(await models.User.exists({ _id: ADMIN_USER.id })) && (await insertOnce(async () => models.User.create({ ...admin, password_hash: await hashPassword(password) })))) {
    log.info('created the admin user');
    if (!config.adminPassword) result.createdAdminPassword = password;
  }
  if (config.adminToken) {
    // A provisioned token: registered if new, so automation can rely on it from the first start.
    const known = await models.ApiToken.exists({ hash: hashToken(config.adminToken) });
    if (!known) await insertOnce(() => storeToken(models, config.adminToken!, ADMIN_USER, 'admin (COCO_ADMIN_TOKEN)'));
  } else if (!(await models.ApiToken.exists({ user_id: ADMIN_USER.id, kind: { $ne: 'login' } }))) {
    const token = generateToken();
    if (await insertOnce(() => storeToken(models, token, ADMIN_USER, 'admin (first start)'))) result.createdAdminToken = token;
  }
  return result;
}
