import type { AppServices } from '../../app-services';
import type { FlowServices } from './flow-services';
import type { ApiKeyScope } from '../../events/project-events';
import { projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { generateApiKey, requireKeyCreatedNow } from '../project/new-api-key';
import { projectDecider } from '../project/project-decider';

/** Creates a key; returns its id and the raw key (shown to the caller once, never stored). */
export async function createProjectApiKey(
  services: FlowServices,
  projectId: string,
  request: { name: string; scope: ApiKeyScope },
  context: CommandContext,
): Promise<{ keyId: string; raw: string }> {
  const { raw, key } = generateApiKey(request.name, request.scope, context);
  const { events } = await executeCommand(services, projectStream(projectId), projectDecider, { type: 'CreateApiKey', ...key, at: services.clock.now().toISOString() }, context);
  requireKeyCreatedNow(events, key);
  return { keyId: key.keyId, raw };
}

/** Revokes a key; it stops working at once in this process (the read model and the key cache both know). */
export async function revokeProjectApiKey(
  services: Pick<AppServices, 'events' | 'clock' | 'projections' | 'principals'>,
  projectId: string,
  keyId: string,
  context: CommandContext,
): Promise<void> {
  await executeCommand(services, projectStream(projectId), projectDecider, { type: 'RevokeApiKey', keyId, at: services.clock.now().toISOString() }, context);
  services.principals.forgetApiKey(keyId);
}
