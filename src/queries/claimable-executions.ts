import { CLAIMABLE, CLAIMS_PROJECTION, type ClaimableDoc } from '../projections/claims-projection';
import type { Filter } from '../stores/read/read-store';
import type { QueryServices } from './query-services';

/**
 * Claim candidates of a project, oldest first: PENDING pull executions, and claimed ones whose claim
 * was made at or before `lapsedBefore` and is still unconfirmed (the decider has the last word on
 * whether a claim has lapsed). At most `limit` of each kind.
 */
export async function claimableExecutions(
  services: QueryServices,
  projectId: string,
  options: { limit: number; taskNames: string[] | null; lapsedBefore: Date },
): Promise<ClaimableDoc[]> {
  const collection = services.registry.collection(CLAIMS_PROJECTION, CLAIMABLE);
  const byTask: Filter = options.taskNames ? { taskName: { $in: options.taskNames } } : {};
  const [pending, lapsed] = await Promise.all([
    services.reads.find<ClaimableDoc>(collection, {
      // A QUEUED run (overlap policy) waits for its release.
      filter: { projectId, claimedAt: null, queuedAt: { $exists: false }, ...byTask },
      sort: [['createdAt', 1]],
      limit: options.limit,
    }),
    services.reads.find<ClaimableDoc>(collection, {
      filter: { projectId, claimedAt: { $lte: options.lapsedBefore.toISOString() }, ...byTask },
      sort: [['claimedAt', 1]],
      limit: options.limit,
    }),
  ]);
  return [...pending.items, ...lapsed.items].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/**
 * When the next unconfirmed claim of the project lapses, for claims made after `claimedAfter` (those
 * made before it have lapsed already); null when none.
 */
export async function nextClaimLapse(services: QueryServices, projectId: string, claimedAfter: Date, leaseSeconds: number): Promise<Date | null> {
  const collection = services.registry.collection(CLAIMS_PROJECTION, CLAIMABLE);
  const { items } = await services.reads.find<ClaimableDoc>(collection, {
    filter: { projectId, claimedAt: { $gt: claimedAfter.toISOString() } },
    sort: [['claimedAt', 1]],
    limit: 1,
  });
  const claimedAt = items[0]?.claimedAt;
  return claimedAt ? new Date(Date.parse(claimedAt) + leaseSeconds * 1000) : null;
}
