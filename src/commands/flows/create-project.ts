import type { FlowServices } from './flow-services';
import { newSecret } from '../../auth/secrets';
import { projectNameStream, projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import type { DomainEvent } from '../handle-command';
import { executeCommand } from '../execute-command';
import { projectNameDecider } from '../name-reservation/name-reservation-decider';
import { releaseName, reserveName } from '../name-reservation/reserve-name';
import { generateApiKey, requireKeyCreatedNow } from '../project/new-api-key';
import { projectDecider } from '../project/project-decider';
import { newEntityId } from '../idempotent-request';

export interface NewProject {
  name: string;
  description: string | null;
  executionEndpoint: string | null;
  timezone: string;
}

/** The secrets of a new project, shown to its creator once. */
export interface CreatedProject {
  projectId: string;
  /** A `write` key, as the original API answered a new project with its key. */
  apiKey: string;
  /** The webhook signing secret executors verify dispatches with. */
  signingSecret: string;
}

/** Name given to the key every project starts with. */
export const FIRST_API_KEY_NAME = 'Default key';

/**
 * Reserves the name (409 when taken, case-insensitively), then creates the project with the creator as
 * its admin, a first `write` key and a signing secret, in one append. The name is given back if the
 * creation fails.
 */
export async function createProject(
  services: FlowServices,
  creator: { userId: string; email: string },
  project: NewProject,
  context: CommandContext,
): Promise<CreatedProject> {
  const projectId = newEntityId(context);
  const nameStream = projectNameStream(project.name);
  await reserveName(services, nameStream, projectNameDecider, projectId, project.name, context);
  const { raw, key } = generateApiKey(FIRST_API_KEY_NAME, 'write', context);
  const signingSecret = newSecret('whsec');
  let events: DomainEvent[];
  try {
    const command = {
      type: 'CreateProject' as const,
      projectId,
      ...project,
      createdBy: creator.userId,
      creatorEmail: creator.email,
      apiKey: key,
      signingSecret,
      at: services.clock.now().toISOString(),
    };
    ({ events } = await executeCommand(services, projectStream(projectId), projectDecider, command, context));
  } catch (err) {
    await releaseName(services, nameStream, projectNameDecider, projectId, context).catch(() => undefined);
    throw err;
  }
  requireKeyCreatedNow(events, key);
  return { projectId, apiKey: raw, signingSecret };
}
