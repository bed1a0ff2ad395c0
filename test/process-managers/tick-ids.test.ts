import { v5 as uuidv5 } from 'uuid';
import { SCHEDULER_TICK_NAMESPACE, catchUpExecutionId, tickExecutionId } from '../../src/process-managers/scheduler';
import { seededRandom } from '../support/seeded-random';

describe('tick execution ids', () => {
  it('are the UUIDv5 ids every earlier version gave the same ticks (a restart across versions finds them)', () => {
    const taskId = '3f6b1c1e-2b1a-4d7e-9a51-0c1d2e3f4a5b';
    expect(tickExecutionId(taskId, '2026-03-29T01:30:00.000Z')).toBe('25c6906b-9aa0-5d3a-a75a-71524a5b052c');
    expect(catchUpExecutionId(taskId, '2026-03-29T01:30:00.000Z')).toBe('a2b455cb-6161-5b85-a7f6-bff407de23b5');
  });

  it('equal the uuid package v5 of `taskId|scheduledAt` (and `|catch-up`) for any task and instant', () => {
    const random = seededRandom(19);
    const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
    for (let i = 0; i < 2_000; i++) {
      // Task ids are UUIDs in practice; any string (here with non-ASCII characters too) hashes as its UTF-8 bytes.
      // Now and then a name longer than the shared hash input (hashed from a buffer of its own), then shorter ones again.
      const taskId =
        i % 97 === 0 ? `${'日本'.repeat(60)}-${hex(200)}` : i % 10 === 0 ? `tâche-${hex(6)}-日本` : `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
      const at = new Date(Math.floor(random() * 4_102_444_800_000)).toISOString();
      expect(tickExecutionId(taskId, at)).toBe(uuidv5(`${taskId}|${at}`, SCHEDULER_TICK_NAMESPACE));
      expect(catchUpExecutionId(taskId, at)).toBe(uuidv5(`${taskId}|${at}|catch-up`, SCHEDULER_TICK_NAMESPACE));
    }
  });
});
