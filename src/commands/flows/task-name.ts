import { taskNameStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { taskNameDecider } from '../name-reservation/name-reservation-decider';
import { releaseName, reserveName } from '../name-reservation/reserve-name';
import type { FlowServices } from './flow-services';

/**
 * Task names are unique per project (executors route by name): a task claims its name on the name's
 * reservation stream before it takes it (409 when another task holds it) and gives it back when it
 * no longer uses it.
 */
export async function releaseTaskName(services: FlowServices, context: CommandContext, projectId: string, taskId: string, name: string): Promise<void> {
  await releaseName(services, taskNameStream(projectId, name), taskNameDecider, taskId, context);
}

/** Runs `step` holding the name; when the step fails, a claim made here is given back. */
export async function withReservedTaskName<T>(
  services: FlowServices,
  context: CommandContext,
  reservation: { projectId: string; taskId: string; name: string },
  step: () => Promise<T>,
): Promise<T> {
  const { projectId, taskId, name } = reservation;
  const claimed = await reserveName(services, taskNameStream(projectId, name), taskNameDecider, taskId, name, context);
  try {
    return await step();
  } catch (err) {
    if (claimed) await releaseTaskName(services, context, projectId, taskId, name).catch(() => undefined);
    throw err;
  }
}
