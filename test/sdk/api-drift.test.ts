import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SDK_DIR } from './sdk-fixtures';

const ROOT = join(SDK_DIR, '..');

/**
 * The SDK is typed by the server's OpenAPI spec: a change of the API breaks the SDK's build (not its
 * users). A copy of the SDK's sources is generated from a changed spec and type-checked.
 */
describe('SDK types follow the OpenAPI spec', () => {
  // Under node_modules so the copy resolves the SDK's dependencies like the SDK does.
  const dir = join(ROOT, 'node_modules', '.cache', `sdk-api-drift-${process.pid}`);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a renamed route and a removed field fail the SDK type check, naming them', () => {
    const spec = JSON.parse(readFileSync(join(ROOT, 'src', 'http', 'generated', 'swagger.json'), 'utf8'));
    spec.paths['/executions/{execution_uuid}/end'] = spec.paths['/executions/{execution_uuid}/finish'];
    delete spec.paths['/executions/{execution_uuid}/finish'];
    delete spec.components.schemas.ClaimBody.properties.wait_seconds;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'swagger.json'), JSON.stringify(spec));
    cpSync(join(SDK_DIR, 'src'), join(dir, 'src'), { recursive: true, filter: (source) => !source.includes(`${join('src', 'generated')}`) });
    cpSync(join(SDK_DIR, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    execFileSync(process.execPath, [join(SDK_DIR, 'scripts', 'generate-api.js')], {
      env: { ...process.env, CRON_OBSERVER_SPEC: join(dir, 'swagger.json'), CRON_OBSERVER_API_OUT: join(dir, 'src', 'generated', 'api.ts') },
      stdio: 'pipe',
    });
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    tsconfig.include = ['src/**/*.ts'];
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const check = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json'), '--noEmit'], { encoding: 'utf8' });
    expect(check.status).not.toBe(0);
    expect(check.stdout).toMatch(/src\/reporter\.ts.*"\/executions\/\{execution_uuid\}\/finish"/);
    expect(check.stdout).toMatch(/src\/executor\/pull\.ts.*wait_seconds/);
  }, 60_000);
});
