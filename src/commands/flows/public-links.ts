import { newSecret } from '../../auth/secrets';
import { projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { projectDecider } from '../project/project-decider';
import type { FlowServices } from './flow-services';

/** A new random part for the project's public URLs; the previous one stops working at once. */
export async function rotatePublicToken(services: FlowServices, projectId: string, context: CommandContext): Promise<void> {
  const command = { type: 'RotatePublicToken' as const, token: newSecret('pub'), at: services.clock.now().toISOString() };
  await executeCommand(services, projectStream(projectId), projectDecider, command, context);
}

/** Turns the status page on or off and chooses its tasks (the caller checked they are the project's). */
export async function configureStatusPage(
  services: FlowServices,
  projectId: string,
  settings: { enabled: boolean; taskIds: string[] },
  context: CommandContext,
): Promise<void> {
  const command = { type: 'ConfigureStatusPage' as const, ...settings, at: services.clock.now().toISOString() };
  await executeCommand(services, projectStream(projectId), projectDecider, command, context);
}
