import { join } from 'node:path';
import { alertsStream } from '../../src/events/alert-events';
import { deletionStream } from '../../src/events/deletion-events';
import { retentionStream } from '../../src/events/retention-events';
import { executionStream, projectStream, taskGroupStream, taskStream } from '../../src/events/streams';
import { AUDIT_ENTRIES, AUDIT_PROJECTION, type AuditEntryDoc, auditProjection } from '../../src/projections/audit-projection';
import { ProjectionRegistry } from '../../src/projections/projection-registry';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { readModelHash } from '../../src/projections/read-model-hash';
import { projectAuditPage, type ProjectAuditQuery } from '../../src/queries/project-audit';
import type { NewEvent, EventStore } from '../../src/stores/events/event-store';
import type { Filter, ReadStore } from '../../src/stores/read/read-store';
import { silentLogger } from '../support/silent-logger';
import { makeTempDir } from '../support/temp-dir';
import { embeddedReads, itOnEmbeddedReads, openTestEventStore, openTestReadStore } from '../support/test-stores';
import { testEvent } from '../support/test-events';

const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

/** An event as a command would store it: occurring at `minute`, by `actor`. */
function event(type: string, data: Record<string, unknown>, minute: number, actor = 'user-1'): NewEvent {
  const base = testEvent(type, data);
  return { ...base, metadata: { ...base.metadata, occurredAt: at(minute), actor } };
}

describe('audit projection', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let events: EventStore;
  let reads: ReadStore;
  let registry: ProjectionRegistry;
  let runner: ProjectionRunner;

  beforeEach(async () => {
    temp = makeTempDir();
    events = openTestEventStore(temp.dir);
    reads = await openTestReadStore(temp.dir);
    registry = new ProjectionRegistry(reads);
    runner = new ProjectionRunner([auditProjection], events, reads, registry, silentLogger);
    await runner.start();
  });
  afterEach(async () => {
    await runner.stop();
    await events.close();
    await reads.close();
    temp.cleanup();
  });

  const entries = async (filter: Filter = {}) =>
    (await reads.find<AuditEntryDoc>(registry.collection(AUDIT_PROJECTION, AUDIT_ENTRIES), { filter, sort: [['position', 1]] })).items;
  const page = (query: Partial<ProjectAuditQuery>) => projectAuditPage({ reads, registry }, 'p1', { order: 'asc', limit: 100, ...query });

  /** A project's administration across its streams, with one execution among it (not audited). */
  async function givenAProjectsHistory(): Promise<void> {
    const p = { projectId: 'p1' };
    await events.append(projectStream('p1'), [
      event('ProjectCreated', { ...p, name: 'Billing', description: null, executionEndpoint: null, timezone: 'UTC', createdBy: 'user-1', createdAt: at(0) }, 0),
      event('ApiKeyCreated', { ...p, keyId: 'key-1', name: 'runner', scope: 'write', prefix: 'co_ab', hash: 'f'.repeat(64), createdAt: at(0) }, 0),
      event('SigningSecretRotated', { ...p, secret: 'whsec_topsecret', previousSecretValidUntil: null, rotatedAt: at(0) }, 0),
    ], 'any');
    await events.append(taskStream('t1'), [event('TaskCreated', { ...p, taskId: 't1', name: 'nightly', status: 'ACTIVE', createdAt: at(1) }, 1)], 'any');
    await events.append(executionStream('e1'), [event('ExecutionCreated', { ...p, executionId: 'e1', taskId: 't1' }, 2, 'key-1')], 'any');
    await events.append(taskGroupStream('g1'), [event('TaskGroupCreated', { ...p, groupId: 'g1', name: 'batch' }, 3)], 'any');
    await events.append(projectStream('p1'), [
      event('ProjectUpdated', { ...p, changes: { executionEndpoint: 'https://ops:hunter2@runner.example/hook' }, updatedAt: at(4) }, 4, 'user-2'),
      event('ProjectMemberSet', { ...p, email: 'ann@example.com', role: 'viewer', at: at(4) }, 4, 'user-2'),
      event('ApiKeyRevoked', { ...p, keyId: 'key-1', revokedAt: at(5) }, 5, 'user-2'),
    ], 'any');
    await events.append(alertsStream('t1'), [event('AlertIncidentOpened', { ...p, taskId: 't1', incidentId: 'i1', status: 'FAILED' }, 6, 'system:alerts')], 'any');
    await events.append(deletionStream('t1'), [
      event('TaskDeletionStarted', { ...p, taskId: 't1', taskName: 'nightly', attempt: 1 }, 7, 'system:deletion'),
      // A purge chunk's id list is not part of the view; the step that made it counts them.
      event('ExecutionsPurged', { ...p, taskId: 't1', executionIds: ['e1'], taskIds: ['t1'], reason: 'task-deleted', at: at(7) }, 7, 'system:deletion'),
    ], 'any');
    await events.append(retentionStream('p1'), [event('RetentionApplied', { ...p, retentionDays: 30, executionsRemoved: 4 }, 8, 'system:retention')], 'any');
    // Another project's history stays out of p1's pages.
    await events.append(projectStream('p2'), [event('ProjectCreated', { projectId: 'p2', name: 'Other' }, 9)], 'any');
    await runner.whenCaughtUp();
  }

  it('indexes every administrative event of a project, in order, and leaves the runs and purge lists out', async () => {
    await givenAProjectsHistory();
    const stored = await entries({ projectId: 'p1' });
    expect(stored.map((e) => e.type)).toEqual([
      'ProjectCreated', 'ApiKeyCreated', 'SigningSecretRotated', 'TaskCreated', 'TaskGroupCreated',
      'ProjectUpdated', 'ProjectMemberSet', 'ApiKeyRevoked', 'AlertIncidentOpened', 'TaskDeletionStarted', 'RetentionApplied',
    ]);
    expect(stored.find((e) => e.type === 'ApiKeyRevoked')).toMatchObject({
      stream: 'project-p1', revision: 5, actor: 'user-2', occurredAt: at(5), summary: 'API key key-1 revoked',
    });
    expect(stored.map((e) => e.summary)).toContain('Member ann@example.com set to viewer');
    expect(stored.map((e) => e.summary)).toContain('API key “runner” (write) created');
  });

  it('never stores a secret: key hashes, signing secrets and passwords in URLs are redacted before the write', async () => {
    await givenAProjectsHistory();
    const text = JSON.stringify(await entries());
    expect(text).not.toContain('whsec_topsecret');
    expect(text).not.toContain('f'.repeat(64));
    expect(text).not.toContain('hunter2');
    const updated = (await entries({ type: 'ProjectUpdated' }))[0]!;
    expect(updated.data).toEqual({ projectId: 'p1', changes: { executionEndpoint: 'https://ops:***@runner.example/hook' }, updatedAt: at(4) });
    expect(updated.summary).toBe('Project settings changed: executionEndpoint');
  });

  it('pages by position with filters on time, actor and type, both ways, each page continuing after the last', async () => {
    await givenAProjectsHistory();
    const first = await page({ limit: 4 });
    expect(first.entries.map((e) => e.type)).toEqual(['ProjectCreated', 'ApiKeyCreated', 'SigningSecretRotated', 'TaskCreated']);
    const second = await page({ limit: 4, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.type)).toEqual(['TaskGroupCreated', 'ProjectUpdated', 'ProjectMemberSet', 'ApiKeyRevoked']);
    const last = await page({ limit: 4, cursor: second.nextCursor! });
    expect(last.entries).toHaveLength(3);
    expect(last.nextCursor).toBeNull();

    const newest = await page({ order: 'desc', limit: 2 });
    expect(newest.entries.map((e) => e.type)).toEqual(['RetentionApplied', 'TaskDeletionStarted']);
    expect((await page({ order: 'desc', limit: 2, cursor: newest.nextCursor! })).entries.map((e) => e.type)).toEqual(['AlertIncidentOpened', 'ApiKeyRevoked']);

    expect((await page({ actor: 'user-2' })).entries.map((e) => e.type)).toEqual(['ProjectUpdated', 'ProjectMemberSet', 'ApiKeyRevoked']);
    expect((await page({ types: ['ApiKeyCreated', 'ApiKeyRevoked'] })).entries.map((e) => e.subject)).toEqual([
      { kind: 'project', id: 'p1' },
      { kind: 'project', id: 'p1' },
    ]);
    // Several types, merged by position across their pages.
    const several = { types: ['TaskCreated', 'ApiKeyRevoked', 'ProjectCreated', 'ApiKeyCreated'], limit: 3 };
    const merged = await page(several);
    expect(merged.entries.map((e) => e.type)).toEqual(['ProjectCreated', 'ApiKeyCreated', 'TaskCreated']);
    const mergedRest = await page({ ...several, cursor: merged.nextCursor! });
    expect([mergedRest.entries.map((e) => e.type), mergedRest.nextCursor]).toEqual([['ApiKeyRevoked'], null]);
    const mergedNewest = await page({ ...several, order: 'desc', limit: 2 });
    expect(mergedNewest.entries.map((e) => e.type)).toEqual(['ApiKeyRevoked', 'TaskCreated']);
    expect((await page({ ...several, order: 'desc', limit: 2, cursor: mergedNewest.nextCursor! })).entries.map((e) => e.type)).toEqual(['ApiKeyCreated', 'ProjectCreated']);
    const window = await page({ from: new Date(at(4)), to: new Date(at(7)) });
    expect(window.entries.map((e) => e.type)).toEqual(['ProjectUpdated', 'ProjectMemberSet', 'ApiKeyRevoked', 'AlertIncidentOpened']);
    expect(window.entries.find((e) => e.type === 'AlertIncidentOpened')!.subject).toEqual({ kind: 'task', id: 't1' });
    // A cursor of one order is refused in the other, naming the parameter.
    await expect(page({ order: 'desc', cursor: first.nextCursor! })).rejects.toMatchObject({ details: [expect.stringMatching(/^cursor: /)] });
  });

  itOnEmbeddedReads('answers each filter with an index range in position order, never a sort of the project', () => {
    const collection = registry.collection(AUDIT_PROJECTION, AUDIT_ENTRIES);
    // Several types are read as one such range each (projectAuditPage), never as a filter over the project.
    const ranges: Filter[] = [{ projectId: 'p1' }, { projectId: 'p1', type: 'TaskCreated' }, { projectId: 'p1', actor: 'user-1' }];
    const filters = ranges.flatMap((range): Filter[] => [range, { ...range, position: { $lt: 500 } }, { ...range, position: { $gt: 500 } }]);
    for (const filter of filters) {
      for (const direction of [1, -1] as const) {
        const plan = embeddedReads(reads).explainFind(collection, { filter, sort: [['position', direction]], limit: 101 }).join('\n');
        expect(plan).toMatch(/USING (COVERING )?INDEX .*position/);
        expect(plan).not.toMatch(/TEMP B-TREE/);
      }
    }
  });

  it('rebuilds to the same read model as the live build', async () => {
    await givenAProjectsHistory();
    const liveHash = await readModelHash(reads, auditProjection, registry.generationOf(AUDIT_PROJECTION)!.generation);
    const livePages = [await page({ limit: 5 }), await page({ order: 'desc', limit: 5, actor: 'user-1' })];
    await runner.rebuild(AUDIT_PROJECTION, { stayLive: true });
    await runner.whenCaughtUp();
    expect(registry.generationOf(AUDIT_PROJECTION)!.generation).toBe(2);
    expect(await readModelHash(reads, auditProjection, 2)).toBe(liveHash);
    expect([await page({ limit: 5 }), await page({ order: 'desc', limit: 5, actor: 'user-1' })]).toEqual(livePages);
  });
});
