import { dropTestDatabases } from './test-stores';

/** Drops every MongoDB database the run's test stores created (nothing to do on the embedded stores). */
export default async function globalTeardown(): Promise<void> {
  await dropTestDatabases();
}
