import { API_KEY_USE_RECORD_INTERVAL_MS, ApiKeyUsageRecorder } from '../../../src/auth/api-key-usage';
import type { ApiKeyPrincipal } from '../../../src/auth/principal';
import { StreamNotFoundError } from '../../../src/errors/store-errors';
import { apiKeyUsageStream } from '../../../src/events/streams';
import { projectsProjection } from '../../../src/projections/projects-projection';
import { readModelHash } from '../../../src/projections/read-model-hash';
import type { RecordedEvent } from '../../../src/stores/events/event-store';
import type { ApiClient } from '../../support/api-client';
import { capturedLogger } from '../../support/captured-logger';
import { ManualClock } from '../../support/manual-clock';
import { startServerWithAdmin } from '../../support/signed-in';
import { createProject, createTask, type TestProject, triggerTask } from '../../support/task-fixtures';
import type { TestServer } from '../../support/test-server';
import { waitFor } from '../../support/wait-for';

describe('API keys: last used', () => {
  let server: TestServer;
  let admin: ApiClient;
  let project: TestProject;
  let taskId: string;
  /** The server's clock: uses are recorded at its time, and the tests move it past the interval. */
  const clock = new ManualClock('2026-03-02T09:00:00.000Z');

  beforeAll(async () => {
    ({ server, admin } = await startServerWithAdmin({ clock }));
    project = await createProject(admin);
    taskId = (await createTask(admin, project.id)).id;
  });
  afterAll(async () => {
    await server.stop();
  });

  async function newKey(scope: 'ingest' | 'read' | 'write'): Promise<{ id: string; client: ApiClient }> {
    const created = await admin.post(`/projects/${project.id}/api-keys`, { name: `${scope} key`, scope });
    expect(created.status).toBe(201);
    return { id: created.body.id, client: admin.as({ apiKey: created.body.api_key }) };
  }

  async function lastUsedAt(keyId: string): Promise<string | null> {
    const keys = (await admin.get(`/projects/${project.id}/api-keys`)).body as Array<{ id: string; last_used_at: string | null }>;
    return keys.find((k) => k.id === keyId)!.last_used_at;
  }

  const lastUsedBecomes = (keyId: string, expected: string) =>
    waitFor(async () => (await lastUsedAt(keyId)) === expected, { what: `last_used_at of ${keyId} to be ${expected}` });

  async function usesRecorded(keyId: string): Promise<RecordedEvent[]> {
    try {
      return await server.services.events.readStream(apiKeyUsageStream(keyId));
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
  }

  /** An executor's report on a new execution: the route the fast path answers (a raw key, a plain JSON body). */
  async function report(key: { client: ApiClient }): Promise<void> {
    const executionId = await triggerTask(admin, project.id, taskId);
    expect((await key.client.post(`/executions/${executionId}/logs`, { message: 'working', level: 'info' })).status).toBe(200);
    expect((await key.client.patch(`/executions/${executionId}/status`, { status: 'SUCCESS' })).status).toBe(200);
  }

  it('shows the clock time of the first use; uses within the interval append nothing; a use after it updates it', async () => {
    const executor = await newKey('ingest');
    expect(await lastUsedAt(executor.id)).toBeNull();

    const firstUse = clock.now().toISOString();
    await report(executor);
    await lastUsedBecomes(executor.id, firstUse);
    const [recorded] = await usesRecorded(executor.id);
    expect(recorded).toMatchObject({
      type: 'ApiKeyUsed',
      data: { projectId: project.id, keyId: executor.id, at: firstUse },
      metadata: { actor: executor.id, occurredAt: firstUse, schemaVersion: 1 },
    });

    // Until the interval has passed, however often the key is used, nothing more is recorded.
    await clock.advance(API_KEY_USE_RECORD_INTERVAL_MS - 1);
    for (let i = 0; i < 5; i++) await report(executor);
    await clock.advance(1);
    const secondUse = clock.now().toISOString();
    await report(executor);
    await lastUsedBecomes(executor.id, secondUse);
    expect((await usesRecorded(executor.id)).map((e) => e.data)).toEqual([
      { projectId: project.id, keyId: executor.id, at: firstUse },
      { projectId: project.id, keyId: executor.id, at: secondUse },
    ]);
  });

  it('marks a key used through express as well (a read key reading its project); a key never used stays null', async () => {
    const reader = await newKey('read');
    const unused = await newKey('write');
    const usedAt = clock.now().toISOString();
    expect((await reader.client.get(`/projects/${project.id}`)).status).toBe(200);
    await lastUsedBecomes(reader.id, usedAt);
    expect(await lastUsedAt(unused.id)).toBeNull();
    expect(await usesRecorded(unused.id)).toEqual([]);
  });

  it('refuses a revoked key and does not mark it used', async () => {
    const never = await newKey('write');
    const once = await newKey('ingest');
    const usedAt = clock.now().toISOString();
    await report(once);
    await lastUsedBecomes(once.id, usedAt);
    for (const key of [never, once]) expect((await admin.delete(`/projects/${project.id}/api-keys/${key.id}`)).status).toBe(204);

    await clock.advance(API_KEY_USE_RECORD_INTERVAL_MS);
    const executionId = await triggerTask(admin, project.id, taskId);
    for (const key of [never, once]) {
      expect((await key.client.get(`/projects/${project.id}`)).status).toBe(401);
      expect((await key.client.post(`/executions/${executionId}/logs`, { message: 'late', level: 'info' })).status).toBe(401);
    }
    // A use of another key, recorded after those attempts, shows they recorded nothing.
    const marker = await newKey('ingest');
    const markerUse = clock.now().toISOString();
    await report(marker);
    await lastUsedBecomes(marker.id, markerUse);
    expect(await lastUsedAt(never.id)).toBeNull();
    expect(await usesRecorded(never.id)).toEqual([]);
    expect(await lastUsedAt(once.id)).toBe(usedAt);
    expect(await usesRecorded(once.id)).toHaveLength(1);
  });

  it('does not mark a valid key used by a request it refuses', async () => {
    const executor = await newKey('ingest');
    // Forbidden for its scope, and a report on an execution that does not exist: both refused.
    expect((await executor.client.post(`/projects/${project.id}/tasks/${taskId}/trigger`, {})).status).toBe(403);
    expect((await executor.client.post('/executions/00000000-0000-4000-8000-000000000000/logs', { message: 'x', level: 'info' })).status).toBe(404);
    await server.apiKeyUses.flush();
    expect(await usesRecorded(executor.id)).toEqual([]);
    const usedAt = clock.now().toISOString();
    await report(executor);
    await lastUsedBecomes(executor.id, usedAt);
  });

  it('rebuilt from zero, the projects read model shows the same last uses', async () => {
    const keysBefore = (await admin.get(`/projects/${project.id}/api-keys`)).body as Array<{ last_used_at: string | null }>;
    expect(keysBefore.filter((k) => k.last_used_at !== null).length).toBeGreaterThanOrEqual(3);
    const { reads, registry } = server.services;
    const hash = () => readModelHash(reads, projectsProjection, registry.generationOf(projectsProjection.name)!.generation);
    const live = await hash();
    const generation = registry.generationOf(projectsProjection.name)!.generation;
    await server.services.projections.rebuild(projectsProjection.name);
    expect(registry.generationOf(projectsProjection.name)!.generation).toBe(generation + 1);
    expect(await hash()).toBe(live);
    expect((await admin.get(`/projects/${project.id}/api-keys`)).body).toEqual(keysBefore);
  });
});

describe('API key use recorder', () => {
  const principal: ApiKeyPrincipal = { kind: 'apiKey', keyId: 'k1', projectId: 'p1', scope: 'ingest' };

  it('never fails the request: a failed append is logged, and the next use after the interval tries again', async () => {
    const clock = new ManualClock('2026-03-02T09:00:00.000Z');
    const log = capturedLogger();
    const append = jest.fn().mockRejectedValue(new Error('event store unavailable'));
    const recorder = new ApiKeyUsageRecorder({ append }, clock, log.logger);

    expect(() => recorder.noteUse(principal)).not.toThrow();
    expect(append).not.toHaveBeenCalled(); // not on the request's path: after it
    await recorder.flush();
    expect(append).toHaveBeenCalledTimes(1);
    expect(log.entries()).toEqual([
      expect.objectContaining({ level: 40, msg: 'Could not record a use of an API key', keyId: 'k1', projectId: 'p1' }),
    ]);

    recorder.noteUse(principal);
    await recorder.flush();
    expect(append).toHaveBeenCalledTimes(1);
    await clock.advance(API_KEY_USE_RECORD_INTERVAL_MS);
    recorder.noteUse(principal);
    await recorder.flush();
    expect(append).toHaveBeenCalledTimes(2);
  });
});
