import { ConfigError, loadConfig } from '../../src/config';

describe('config', () => {
  it('defaults to the embedded stack on the documented ports', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ apiPort: 9000, wsPort: 2900 });
    expect(c.mongo).toMatchObject({ embedded: true, uri: 'mongodb://127.0.0.1:27017/coco' });
    expect(c.temporal).toMatchObject({ embedded: true, address: '127.0.0.1:7233', uiPort: 8233 });
    expect(c.redis).toMatchObject({ embedded: true, url: 'redis://127.0.0.1:6390' });
    expect(Object.isFrozen(c.mongo)).toBe(true);
  });

  it('uses external services when they are named', () => {
    const c = loadConfig({ MONGODB_URI: 'mongodb://db:27017/x', TEMPORAL_ADDRESS: 'tmp:7233', REDIS_URL: 'redis://r:6379' });
    expect(c.mongo).toMatchObject({ embedded: false, uri: 'mongodb://db:27017/x' });
    expect(c.temporal).toMatchObject({ embedded: false, address: 'tmp:7233' });
    expect(c.redis).toMatchObject({ embedded: false, url: 'redis://r:6379' });
  });

  it('reads the built-in model settings and refuses half of them', () => {
    expect(loadConfig({ COCO_LLM_BASE_URL: 'http://x/v1', COCO_LLM_MODEL: 'm' }).llm).toEqual({ baseUrl: 'http://x/v1', model: 'm', apiKey: undefined });
    expect(() => loadConfig({ COCO_LLM_MODEL: 'm' })).toThrow(ConfigError);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ COCO_API_PORT: 'abc' })).toThrow(/COCO_API_PORT/);
  });
});
