import * as events from '../../src/events';
import {
  apiKeyUsageStream,
  executionLogStream,
  executionStream,
  nameKey,
  pingKeyStream,
  pingRunStream,
  pingUrlStream,
  projectNameStream,
  projectStream,
  STREAM_CATEGORIES,
  streamPrefix,
  taskGroupStream,
  taskNameStream,
  taskStream,
  userEmailStream,
  userStream,
} from '../../src/events/streams';
import { categoryOf, idOf, validateStreamName } from '../../src/stores/events/stream-names';

const id = '0b6c7c2e-8f1d-4f57-9a53-3d0c1f7e2a10';

describe('stream names', () => {
  test('one builder per aggregate, each a valid <category>-<id> name', () => {
    const builders: [(id: string) => string, string][] = [
      [projectStream, 'project'],
      [taskStream, 'task'],
      [taskGroupStream, 'taskgroup'],
      [executionStream, 'execution'],
      [executionLogStream, 'executionlog'],
      [userStream, 'user'],
      [apiKeyUsageStream, 'apikeyusage'],
    ];
    for (const [build, category] of builders) {
      const stream = build(id);
      expect(stream).toBe(`${category}-${id}`);
      expect(() => validateStreamName(stream)).not.toThrow();
      expect(categoryOf(stream)).toBe(category);
      expect(idOf(stream)).toBe(id);
    }
  });

  test('a category prefix matches its own streams only (task- is not taskgroup- or taskname-)', () => {
    expect(taskStream(id).startsWith(streamPrefix(STREAM_CATEGORIES.task))).toBe(true);
    expect(taskGroupStream(id).startsWith(streamPrefix(STREAM_CATEGORIES.task))).toBe(false);
    expect(taskNameStream(id, 'x').startsWith(streamPrefix(STREAM_CATEGORIES.task))).toBe(false);
    expect(executionLogStream(id).startsWith(streamPrefix(STREAM_CATEGORIES.execution))).toBe(false);
  });

  test('names that differ only in case, surrounding spaces or Unicode form share a reservation stream', () => {
    expect(projectNameStream('  Billing ')).toBe(projectNameStream('billing'));
    expect(projectNameStream('Caf\u00e9')).toBe(projectNameStream('cafe\u0301'));
    expect(taskNameStream(id, 'Nightly')).toBe(taskNameStream(id, 'NIGHTLY'));
    expect(userEmailStream('Ann@Example.com ')).toBe(userEmailStream('ann@example.com'));
  });

  test('ping reservations: a ping id and a ping key each name one stream, run ids per task and in any case', () => {
    expect(pingUrlStream(id)).toBe(`pingurl-${nameKey(id)}`);
    expect(pingKeyStream('fqOOd6-F4MMNuCEnzTU01w')).toMatch(/^pingkey-[0-9a-f]{64}$/);
    expect(pingRunStream(id, id.toUpperCase())).toBe(pingRunStream(id, id));
    expect(pingRunStream(id, id)).not.toBe(pingRunStream('11111111-2222-4333-8444-555555555555', id));
    for (const stream of [pingUrlStream(id), pingKeyStream('k'), pingRunStream(id, id)]) expect(() => validateStreamName(stream)).not.toThrow();
  });

  test('task names are unique per project only', () => {
    expect(taskNameStream(id, 'nightly')).not.toBe(taskNameStream('11111111-2222-4333-8444-555555555555', 'nightly'));
  });

  test('reservation streams have the documented shape and are valid stream names', () => {
    expect(projectNameStream('Billing')).toBe(`projectname-${nameKey('billing')}`);
    expect(nameKey('billing')).toMatch(/^[0-9a-f]{64}$/);
    expect(taskNameStream(id, 'x')).toMatch(new RegExp(`^taskname-${id}_[0-9a-f]{64}$`));
    for (const stream of [projectNameStream('a b/c'), taskNameStream(id, 'ünï cødé'), userEmailStream('a@b.c')]) {
      expect(() => validateStreamName(stream)).not.toThrow();
    }
  });
});

describe('event catalogue', () => {
  test('every category lists its type names, past tense, each name in one category only', () => {
    const lists = [
      events.PROJECT_EVENT_TYPES,
      events.TASK_EVENT_TYPES,
      events.TASK_GROUP_EVENT_TYPES,
      events.EXECUTION_EVENT_TYPES,
      events.EXECUTION_LOG_EVENT_TYPES,
      events.USER_EVENT_TYPES,
      events.NAME_RESERVATION_EVENT_TYPES,
      events.API_KEY_USAGE_EVENT_TYPES,
    ];
    const all = lists.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(50);
    for (const name of all) expect(name).toMatch(/^[A-Z][A-Za-z]+(ed|Set|In|Out)$/);
  });

  test('isEventOf narrows a stored event to its category', () => {
    expect(events.isEventOf(events.EXECUTION_EVENT_TYPES, { type: 'ExecutionStarted' })).toBe(true);
    expect(events.isEventOf(events.EXECUTION_EVENT_TYPES, { type: 'ExecutionLogsAppended' })).toBe(false);
  });
});
