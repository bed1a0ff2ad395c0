import { randomBytes } from 'node:crypto';
import { pingKeyStream, projectStream } from '../../events/streams';
import type { CommandContext } from '../command-context';
import { executeCommand } from '../execute-command';
import { loadAggregate } from '../handle-command';
import { nameReservationDecider } from '../name-reservation/name-reservation-decider';
import { nameOwner, releaseName, reserveName } from '../name-reservation/reserve-name';
import { projectDecider } from '../project/project-decider';
import { requireLive } from '../shared/guards';
import type { FlowServices } from './flow-services';

const pingKeyDecider = nameReservationDecider(() => 'This ping key is already in use');

/** 22 URL-safe characters (128 bits), the shape of Healthchecks' ping keys. */
export function newPingKey(): string {
  return randomBytes(16).toString('base64url');
}

/** The project's ping key, or null until an admin makes one (from the project's stream, not a read model). */
export async function pingKeyOf(services: Pick<FlowServices, 'events'>, projectId: string): Promise<string | null> {
  const { state } = await loadAggregate(services.events, projectStream(projectId), projectDecider);
  return requireLive(state, 'This project').pingKey;
}

/**
 * A new ping key for the project's slug ping URLs; the previous key stops working at once (as when a
 * Healthchecks admin regenerates it). Reserved first, so a key the project shows always leads to it.
 */
export async function rotatePingKey(services: FlowServices, context: CommandContext, projectId: string): Promise<{ pingKey: string; rotatedAt: string }> {
  const previous = await pingKeyOf(services, projectId);
  const pingKey = newPingKey();
  const rotatedAt = services.clock.now().toISOString();
  await reserveName(services, pingKeyStream(pingKey), pingKeyDecider, projectId, pingKey, context);
  await executeCommand(services, projectStream(projectId), projectDecider, { type: 'RotatePingKey', pingKey, at: rotatedAt }, context);
  if (previous !== null) await releaseName(services, pingKeyStream(previous), pingKeyDecider, projectId, context);
  return { pingKey, rotatedAt };
}

/** The live project whose current ping key this is, or null. */
export async function projectOfPingKey(services: Pick<FlowServices, 'events'>, pingKey: string): Promise<string | null> {
  const projectId = await nameOwner(services, pingKeyStream(pingKey), pingKeyDecider);
  if (projectId === null) return null;
  const { state } = await loadAggregate(services.events, projectStream(projectId), projectDecider);
  return state !== null && !state.deleted && state.pingKey === pingKey ? projectId : null;
}
