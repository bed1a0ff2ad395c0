// `npm run test:production` runs the whole suite on EventStoreDB/KurrentDB and MongoDB: without both
// servers it would quietly run on the embedded stores, so it refuses instead (README.md, "Running the
// suite on the production engines").
const missing = ['EVENTSTORE_URL', 'MONGODB_URL'].filter((name) => (process.env[name] ?? '').trim() === '');
if (missing.length > 0) {
  console.error(
    `test:production needs both servers: set ${missing.join(' and ')} ` +
      '(e.g. EVENTSTORE_URL=esdb://localhost:2113?tls=false MONGODB_URL=mongodb://localhost:27017/?replicaSet=rs0), ' +
      'or run deploy/docker-compose.test.yml, which starts both and sets them. `npm test` runs the suite on the embedded stores.',
  );
  process.exit(2);
}
console.log(`test:production on EVENTSTORE_URL and MONGODB_URL (${process.env.EVENTSTORE_URL.replace(/\/\/[^@/]*@/, '//***@')}, ${process.env.MONGODB_URL.replace(/\/\/[^@/]*@/, '//***@')})`);
