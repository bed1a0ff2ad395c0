import { createHash } from 'node:crypto';
import { allProjections } from '../../src/projections/all-projections';
import { canonicalJson, readModelHash } from '../../src/projections/read-model-hash';
import type { Position } from '../../src/stores/events/event-store';
import type { TestServer } from './test-server';

/**
 * Waits until nothing is in flight: every projection and process manager has seen the head, the
 * managers that work in the background (deletion sagas, alert sends) are idle, key uses are recorded,
 * and the head stays put. Answers that head.
 */
export async function quiesce(server: TestServer): Promise<Position | null> {
  for (;;) {
    const head = await server.services.events.headPosition();
    await server.services.projections.waitForPosition(head);
    await server.processManagers.idle();
    // An accepted call's key use is appended just after its answer.
    await server.apiKeyUses.flush();
    if ((await server.services.events.headPosition()) === head) return head;
  }
}

/** A canonical hash of the whole event store and every read model, once nothing is in flight. */
export async function stateHash(server: TestServer): Promise<string> {
  await quiesce(server);
  const { events, reads, registry } = server.services;
  const hash = createHash('sha256');
  let after: Position | null = null;
  for (;;) {
    const page = await events.readAll({ after, maxCount: 1000 });
    if (page.length === 0) break;
    for (const e of page) hash.update(canonicalJson({ stream: e.streamId, revision: e.revision, type: e.type, data: e.data, metadata: e.metadata })).update('\n');
    after = page[page.length - 1]!.position;
  }
  for (const projection of allProjections()) {
    hash.update(`${projection.name}:${await readModelHash(reads, projection, registry.generationOf(projection.name)!.generation)}\n`);
  }
  return hash.digest('hex');
}
