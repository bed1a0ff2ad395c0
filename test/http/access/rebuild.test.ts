import { accessProjection } from '../../../src/projections/access-projection';
import type { Projection } from '../../../src/projections/projection';
import { projectsProjection } from '../../../src/projections/projects-projection';
import { readModelHash } from '../../../src/projections/read-model-hash';
import { ApiClient } from '../../support/api-client';
import { capturedLogger } from '../../support/captured-logger';
import { newSignedInUser, startServerWithAdmin } from '../../support/signed-in';
import type { TestServer } from '../../support/test-server';

describe('access and projects read models', () => {
  let server: TestServer;
  let root: ApiClient;
  const log = capturedLogger();

  beforeAll(async () => {
    ({ server, admin: root } = await startServerWithAdmin({ logger: log.logger }));
  });
  afterAll(async () => {
    await server.stop();
  });

  async function hash(projection: Projection): Promise<string> {
    const { reads, registry } = server.services;
    return readModelHash(reads, projection, registry.generationOf(projection.name)!.generation);
  }

  it('rebuild from the events to exactly what was built live', async () => {
    const ann = await newSignedInUser(root, 'ann@example.com');
    const { body: project } = await ann.post('/projects', { name: 'Rebuilt', execution_endpoint: 'https://x.example.com' });
    await ann.put(`/projects/${project.id}`, { name: 'Rebuilt again', alert_emails: 'a@example.com', retention_days: 7 });
    await ann.put(`/projects/${project.id}/members/guest@example.com`, { role: 'editor' });
    const link = String(log.entries().find((e) => e.email === 'guest@example.com')!.link);
    await new ApiClient(server.url).post(`/auth/invitations/${link.split('/invite/')[1]}/accept`, { password: 'guest-password' });
    // Alert choices (ProjectMemberAlertsSet), kept across a role change.
    await ann.put(`/projects/${project.id}/members/guest@example.com/alerts`, { alerts: true });
    await ann.put(`/projects/${project.id}/members/guest@example.com`, { role: 'viewer' });
    await ann.put(`/projects/${project.id}/members/ann@example.com`, { role: 'admin', alerts: false });
    const { body: key } = await ann.post(`/projects/${project.id}/api-keys`, { name: 'k', scope: 'read' });
    await ann.delete(`/projects/${project.id}/api-keys/${key.id}`);
    await ann.post(`/projects/${project.id}/signing-secret/rotate`);
    await ann.post('/auth/logout');

    for (const projection of [accessProjection, projectsProjection]) {
      const live = await hash(projection);
      await server.services.projections.rebuild(projection.name);
      expect(server.services.registry.generationOf(projection.name)!.generation).toBe(2);
      expect(await hash(projection)).toBe(live);
    }
    // The server keeps serving from the rebuilt generation.
    const { body: rebuilt } = await root.get(`/projects/${project.id}`);
    expect(rebuilt.name).toBe('Rebuilt again');
    expect(rebuilt.project_users).toEqual([
      { email: 'ann@example.com', role: 'admin', alerts: false },
      { email: 'guest@example.com', role: 'viewer', alerts: true },
    ]);
  });
});
