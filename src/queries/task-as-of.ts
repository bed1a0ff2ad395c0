import { NotFoundError } from '../errors/app-error';
import { StreamNotFoundError } from '../errors/store-errors';
import { taskStream } from '../events/streams';
import type { TaskEvent } from '../events/task-events';
import { evolveTaskDoc, type TaskDoc } from '../projections/task-read-model';
import type { EventStore } from '../stores/events/event-store';

/**
 * The task's definition as it was at an instant, folded from its own stream with the same function
 * the read model uses (so "now" and "then" can never disagree on shape). Events count from the
 * instant they occurred. The newest-execution summary is not part of the task's stream: it is null.
 * A purged task answers 410 (the store's StreamDeletedError).
 */
export async function taskAsOf(events: EventStore, projectId: string, taskId: string, asOf: Date): Promise<TaskDoc> {
  let doc: TaskDoc | null = null;
  for (const event of await readTaskStream(events, taskId)) {
    if (Date.parse(event.metadata.occurredAt) > asOf.getTime()) break;
    doc = evolveTaskDoc(doc, event as unknown as TaskEvent);
  }
  if (!doc || doc.projectId !== projectId) {
    throw new NotFoundError(`Task ${taskId} did not exist in project ${projectId} at ${asOf.toISOString()}`);
  }
  return doc;
}

async function readTaskStream(events: EventStore, taskId: string) {
  try {
    return await events.readStream(taskStream(taskId));
  } catch (err) {
    if (err instanceof StreamNotFoundError) return [];
    throw err;
  }
}
