import type { FlowServices } from './flow-services';
import { newSecret } from '../../auth/secrets';
import { projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { projectDecider } from '../project/project-decider';

/** How long the previous secret keeps verifying after a rotation, so executors can switch over. */
export const SIGNING_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;

export interface RotatedSecret {
  secret: string;
  previousSecretValidUntil: string;
  rotatedAt: string;
}

export async function rotateSigningSecret(
  services: FlowServices,
  projectId: string,
  context: CommandContext,
): Promise<RotatedSecret> {
  const now = services.clock.now();
  const rotated = {
    secret: newSecret('whsec'),
    previousSecretValidUntil: new Date(now.getTime() + SIGNING_SECRET_GRACE_MS).toISOString(),
    rotatedAt: now.toISOString(),
  };
  const command = { type: 'RotateSigningSecret' as const, secret: rotated.secret, previousSecretValidUntil: rotated.previousSecretValidUntil, at: rotated.rotatedAt };
  await executeCommand(services, projectStream(projectId), projectDecider, command, context);
  return rotated;
}
