import { runNode } from '../support/run-node';
import { startTestServer, type TestServer } from '../support/test-server';

/** The rows of console.table's output, by column name. */
function tableRows(text: string): Array<Record<string, string>> {
  const lines = text.split('\n').filter((line) => line.startsWith('│'));
  const cells = (line: string) => line.split('│').slice(1, -1).map((cell) => cell.trim());
  const [header, ...rows] = lines.map(cells);
  return rows.map((row) => Object.fromEntries(header!.map((column, i) => [column, row[i]!])));
}

/** `npm run projections -- status` shows each projection's lag in events and its time behind. */
describe('projections status CLI', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'a-long-password' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('shows lag 0 and 0 seconds behind for every caught-up projection', async () => {
    await server.services.projections.whenCaughtUp();
    const run = await runNode('src/cli/projections.ts', ['status'], { DATA_DIR: server.dataDir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rows = tableRows(run.stdout);
    expect(rows.map((row) => row.name)).toEqual(expect.arrayContaining(["'tasks'", "'history'", "'access'"]));
    for (const row of rows) expect(row).toMatchObject({ lag: '0', behindSeconds: '0', error: 'null' });
  });
});
