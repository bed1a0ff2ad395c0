import type { ProjectDoc } from '../../../src/projections/projects-projection';
import { toApiKeyResponse } from '../../../src/http/shapes/api-key-shape';
import { toProjectResponse } from '../../../src/http/shapes/project-shape';

/**
 * After an upgrade the projects read model is rebuilt beside the old generation, which answers queries
 * until the switch: its documents lack the fields added since (members' `alerts`, keys' `lastUsedAt`).
 */
describe('API answers from documents of an older projects generation', () => {
  const olderDoc = {
    id: 'p1',
    name: 'Billing',
    sortName: 'billing',
    description: null,
    executionEndpoint: null,
    timezone: 'UTC',
    alertEmails: [],
    alertPolicy: null,
    retentionDays: null,
    members: [
      { email: 'admin@example.com', role: 'admin' },
      { email: 'viewer@example.com', role: 'viewer' },
    ],
    apiKeys: [{ id: 'k1', name: 'ci', scope: 'ingest', prefix: 'co_ab', createdAt: '2026-01-01T00:00:00.000Z', revoked: false, revokedAt: null }],
    createdBy: 'u1',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  } as unknown as ProjectDoc;

  it('show members with their role’s default for alerts', () => {
    expect(toProjectResponse(olderDoc, 'member').project_users).toEqual([
      { email: 'admin@example.com', role: 'admin', alerts: true },
      { email: 'viewer@example.com', role: 'viewer', alerts: false },
    ]);
  });

  it('show API keys as never used', () => {
    expect(toApiKeyResponse(olderDoc.apiKeys[0]!).last_used_at).toBeNull();
  });
});
