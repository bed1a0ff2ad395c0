import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExportLine } from '../../src/audit/export-line';
import type { ApiClient } from '../support/api-client';
import { makeTempDir } from '../support/temp-dir';
import type { TestServer } from '../support/test-server';
import { createSdkProject, createTask, runCli, type SdkProject, startSdkServer } from './sdk-fixtures';

/** `cron-observer audit export`, the built CLI against a real server. */
describe('cron-observer audit export', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: SdkProject;
  let temp: ReturnType<typeof makeTempDir>;
  let env: Record<string, string>;
  let apiExport: string;

  beforeAll(async () => {
    ({ server, admin } = await startSdkServer());
    project = await createSdkProject(admin, { name: 'Ledger' });
    await createSdkProject(admin, { name: 'Other' });
    await createTask(admin, project.id, { name: 'close-books', description: 'month end, "final"' });
    const stream = `probe-${randomUUID()}`;
    await server.services.events.append(
      stream,
      Array.from({ length: 1500 }, (_, n) => {
        const id = randomUUID();
        return { type: 'Probed', data: { projectId: project.id, n }, metadata: { eventId: id, occurredAt: '2021-06-01T00:00:00.000Z', actor: 'system:test', correlationId: id, causationId: id, schemaVersion: 1 } };
      }),
      'no_stream',
    );
    temp = makeTempDir('cron-observer-audit-cli-');
    env = { CRON_OBSERVER_URL: server.url, CRON_OBSERVER_TOKEN: (admin.credentials as { token: string }).token, CRON_OBSERVER_CONFIG: join(temp.dir, 'config.json') };
    const response = await fetch(`${server.url}/api/v1/projects/${project.id}/audit/export`, { headers: { authorization: `Bearer ${env.CRON_OBSERVER_TOKEN}` } });
    apiExport = await response.text();
  });
  afterAll(async () => {
    await server.stop();
    temp.cleanup();
  });

  it('writes the export to stdout, byte for byte what the API answers', async () => {
    const run = await runCli(['audit', 'export', '--project', 'Ledger'], env);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(apiExport);
    const lines = run.stdout.split('\n').slice(0, -1).map((text, i) => parseExportLine(text, i + 1));
    expect(lines.length).toBeGreaterThan(1500);
    expect(lines.map((l) => l.type)).toEqual(expect.arrayContaining(['ProjectCreated', 'TaskCreated', 'Probed']));
  });

  it('writes a file, with --from, --to and --format passed on', async () => {
    const output = join(temp.dir, 'ledger.csv');

    const run = await runCli(['audit', 'export', '--project', project.id, '--from', '2021-06-01T00:00:00Z', '--to', '2021-06-02T00:00:00Z', '--format', 'csv', '--output', output], env);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`Exported the audit trail of ${project.id} to ${output}\n`);
    const records = readFileSync(output, 'utf8').split('\r\n').slice(0, -1);
    expect(records[0]).toBe('position,stream,revision,type,occurred_at,actor,correlation_id,causation_id,schema_version,previous_hash,hash,data,metadata');
    expect(records).toHaveLength(1 + 1500);
    expect(records.slice(1).every((record) => record.includes(',Probed,2021-06-01T00:00:00.000Z,system:test,'))).toBe(true);
  });

  it('says why the server refused, exits 1, and leaves no file behind', async () => {
    const output = join(temp.dir, 'refused.ndjson');
    const bad = await runCli(['audit', 'export', '--project', 'Ledger', '--from', 'last week', '--output', output], env);

    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('400');
    expect(bad.stderr).toContain('from: "last week" is not an ISO 8601 instant');
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(temp.dir).filter((name) => name.startsWith('refused'))).toEqual([]);

    const key = await runCli(['audit', 'export', '--project', project.id], { ...env, CRON_OBSERVER_TOKEN: '', CRON_OBSERVER_API_KEY: project.apiKey });
    expect(key.code).toBe(1);
    expect(key.stderr).toContain('401');
    expect(key.stdout).toBe('');

    const format = await runCli(['audit', 'export', '--project', project.id, '--format', 'xml'], env);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('Allowed choices are ndjson, csv');
  });
});
