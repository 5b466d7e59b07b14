import { hashToken } from '../../src/domain/auth/tokens';
import { bootstrap, BUILTIN_PROVIDER_ID } from '../../src/domain/bootstrap';
import { createLogger } from '../../src/infra/logger';
import { connectMongo, Mongo } from '../../src/infra/mongo';
import { startTestApi } from '../helpers/api';
import { testConfig } from '../helpers/stack';

const silent = createLogger('silent', 'test');

describe('first start', () => {
  let mongo: Mongo;
  afterEach(async () => {
    await mongo.connection.dropDatabase();
    await mongo.close();
  });

  it('creates a random admin token once, storing only its hash', async () => {
    const config = testConfig('boot1', { COCO_ADMIN_TOKEN: undefined });
    mongo = await connectMongo(config.mongo.uri);
    const first = await bootstrap(mongo.models, config, silent);
    expect(first.createdAdminToken).toMatch(/^[0-9a-f]{64}$/);
    const second = await bootstrap(mongo.models, config, silent);
    expect(second.createdAdminToken).toBeUndefined();

    const tokens = await mongo.models.ApiToken.find().lean();
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ hash: hashToken(first.createdAdminToken!), user_id: 'admin', roles: ['admin'] });
    expect(JSON.stringify(tokens)).not.toContain(first.createdAdminToken!);
    // the built-ins are seeded once too
    expect(await mongo.models.Assistant.countDocuments({ builtin: true })).toBe(2);
  });

  it('without a model configured, the built-ins have no answering model and no provider is seeded', async () => {
    const config = testConfig('boot2');
    mongo = await connectMongo(config.mongo.uri);
    await bootstrap(mongo.models, config, silent);
    expect(await mongo.models.ModelProvider.countDocuments()).toBe(0);
    const d = await mongo.models.Assistant.findById('default').lean();
    expect(d.answering_model).toMatchObject({ provider_id: '', name: '' });
  });
});

describe('first start with COCO_ADMIN_TOKEN and COCO_LLM_*', () => {
  it('uses the given admin token and seeds an OpenAI-compatible provider the built-ins answer with', async () => {
    const api = await startTestApi('boot3', {
      COCO_ADMIN_TOKEN: 'provisioned-token-for-automation',
      COCO_LLM_BASE_URL: 'http://127.0.0.1:1/v1',
      COCO_LLM_API_KEY: 'sk-secret-value-1234567890',
      COCO_LLM_MODEL: 'test-model',
    });
    try {
      expect(api.token).toBe('provisioned-token-for-automation');
      expect((await api.request('GET', '/account/profile')).body.id).toBe('admin');

      const provider = await api.request('GET', `/model_provider/${BUILTIN_PROVIDER_ID}`);
      expect(provider.body._source).toMatchObject({ name: 'Coco AI', builtin: true, enabled: true, api_type: 'openai', base_url: 'http://127.0.0.1:1/v1', models: [{ name: 'test-model' }] });
      expect(provider.text).not.toContain('sk-secret-value-1234567890');
      expect((await api.request('DELETE', `/model_provider/${BUILTIN_PROVIDER_ID}`)).status).toBe(403);

      for (const id of ['default', 'ai_overview']) {
        const a = (await api.request('GET', `/assistant/${id}`)).body._source;
        expect(a.answering_model).toMatchObject({ provider_id: BUILTIN_PROVIDER_ID, name: 'test-model' });
      }
    } finally {
      await api.close();
    }
  });
});
