import { loadConfig } from '../../src/config/config';

/**
 * The factory's server side without a server: the variables a test server gets when the run is pointed
 * at EventStoreDB/KurrentDB and MongoDB (no store is opened here), read under such an environment.
 */
describe('test store factory: what a test server is given on the production engines', () => {
  function underEnv<T>(env: Record<string, string>, read: (stores: typeof import('./test-stores')) => T): T {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      let result!: T;
      jest.isolateModules(() => {
        result = read(require('./test-stores') as typeof import('./test-stores'));
      });
      return result;
    } finally {
      process.env = saved;
    }
  }

  const servers = { EVENTSTORE_URL: 'esdb://kurrentdb:2113?tls=false', MONGODB_URL: 'mongodb://user:pw@mongo:27017,mongo2:27017/?replicaSet=rs0' };

  it('gives each data dir its own stream prefix and database, which the configuration accepts', () => {
    const [a, again, b] = underEnv(servers, (stores) => [stores.testEngineEnv('/tmp/a'), stores.testEngineEnv('/tmp/a'), stores.testEngineEnv('/tmp/b')]);
    expect(again).toEqual(a);
    expect(b.EVENTSTORE_STREAM_PREFIX).not.toBe(a.EVENTSTORE_STREAM_PREFIX);
    expect(a.MONGODB_URL).toMatch(/^mongodb:\/\/user:pw@mongo:27017,mongo2:27017\/co_test_[0-9a-f]{20}\?replicaSet=rs0$/);
    const config = loadConfig(a!);
    expect(config.eventStoreUrl).toBe(servers.EVENTSTORE_URL);
    expect(config.eventStoreStreamPrefix).toBe(a!.EVENTSTORE_STREAM_PREFIX);
  });

  it('gives nothing when the variables are unset, and says which server runs are skipped', () => {
    const [env, summary] = underEnv({ EVENTSTORE_URL: '', MONGODB_URL: '' }, (stores) => [stores.testEngineEnv('/tmp/a'), stores.productionEngines.summary()] as const);
    expect(env).toEqual({});
    expect(summary).toMatch(/events on embedded SQLite, read models on embedded SQLite\. .* skipped: EVENTSTORE_URL and MONGODB_URL are not set/);
  });
});
