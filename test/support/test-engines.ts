/**
 * Which engines this test run uses: the embedded SQLite stores, or the servers EVENTSTORE_URL and
 * MONGODB_URL name (`npm run test:production`). No jest globals here: the global setup reads it too.
 */
const eventStoreUrl = process.env.EVENTSTORE_URL?.trim() || null;
const mongodbUrl = process.env.MONGODB_URL?.trim() || null;

/** Every database the suite creates on MongoDB starts with this (dropped by the global teardown). */
export const TEST_DATABASE_PREFIX = 'co_test_';

/** As the suite reports it once per run (test/support/jest-global-setup.ts). */
export const productionEngines = {
  eventStoreUrl,
  mongodbUrl,
  events: eventStoreUrl ? 'EventStoreDB/KurrentDB (EVENTSTORE_URL)' : 'embedded SQLite',
  reads: mongodbUrl ? 'MongoDB (MONGODB_URL)' : 'embedded SQLite',
  /** One line for the run's output: what runs on which engine, and what is skipped. */
  summary(): string {
    const engines = `Test engines: events on ${this.events}, read models on ${this.reads}.`;
    const unset = [eventStoreUrl ? null : 'EVENTSTORE_URL', mongodbUrl ? null : 'MONGODB_URL'].filter((name) => name !== null);
    return unset.length === 0
      ? engines
      : `${engines} The suite's runs on ${unset.map((name) => (name === 'EVENTSTORE_URL' ? 'EventStoreDB/KurrentDB' : 'MongoDB')).join(' and ')} are skipped: ${unset.join(' and ')} ${unset.length === 1 ? 'is' : 'are'} not set (see "Running the suite on the production engines" in README.md).`;
  },
};
