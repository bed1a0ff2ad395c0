import { randomUUID } from 'node:crypto';
import { pingUrlStream, taskStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { nameReservationDecider } from '../name-reservation/name-reservation-decider';
import { nameOwner, reserveName } from '../name-reservation/reserve-name';
import { taskDecider } from '../task/task-decider';
import type { Task } from '../task/task-state';
import type { FlowServices } from './flow-services';

/** A random UUID cannot collide; the reservation is only how a ping finds its task without a read model. */
const pingUrlDecider = nameReservationDecider(() => 'This ping URL id is already in use');

/**
 * Gives a task in external mode its ping URL id, once: the reservation first, then the task's event,
 * so a URL the task shows always leads back to it. The id is random, never derived from the request
 * (it is the URL's only credential); a retry that finds the task with an id already keeps that one.
 */
export async function assignPingUrl(services: FlowServices, context: CommandContext, projectId: string, taskId: string): Promise<void> {
  const { state } = await loadAggregate(services.events, taskStream(taskId), taskDecider);
  if (state === null || state.pingId !== null || state.definition.executionMode !== 'external') return;
  const pingId = randomUUID();
  await reserveName(services, pingUrlStream(pingId), pingUrlDecider, taskId, pingId, context);
  await executeCommand(services, taskStream(taskId), taskDecider, { type: 'AssignPingUrl', projectId, pingId, at: services.clock.now().toISOString() }, context);
}

/**
 * The live task a ping URL id belongs to, or null (unknown, deleted or being deleted, or a reservation
 * whose task never took the id: a request that failed halfway).
 */
export async function taskOfPingId(services: Pick<FlowServices, 'events'>, pingId: string): Promise<Task | null> {
  const taskId = await nameOwner(services, pingUrlStream(pingId.toLowerCase()), pingUrlDecider);
  if (taskId === null) return null;
  const { state } = await loadAggregate(services.events, taskStream(taskId), taskDecider);
  if (state === null || state.deleted || state.pingId !== pingId.toLowerCase()) return null;
  // A task being deleted takes no more runs: to a ping it is gone already.
  return state.status === 'PENDING_DELETE' || state.status === 'DELETE_FAILED' ? null : state;
}
