/**
 * The lease on MongoDB (ReadStore.acquireLease): one `_meta` document changed by one findOneAndUpdate
 * whose update pipeline reads the server's clock, `$$NOW` (MongoDB 4.2+), never the caller's.
 */
import { type Collection, MongoServerError } from 'mongodb';
import { CODE_DUPLICATE_KEY, toNumber } from './mongo-translation';
import type { LeaseRecord } from './read-store';

export interface LeaseDoc {
  _id: string;
  value: LeaseRecord;
}

/**
 * Renews the lease for the holder it names, or takes it when missing or lapsed, else leaves it; answers the record
 * as it stands afterwards. The decision is a `$cond` inside the update pipeline, not a filter: an upsert
 * may not have `$expr` in its filter. Null when two first upserts collided and the server did not retry.
 */
export async function takeOrRenewLease(meta: Collection<LeaseDoc>, key: string, holder: string, ttlMs: number, minToken: number): Promise<LeaseRecord | null> {
  const now = { $toLong: '$$NOW' };
  const holds = { $eq: ['$value.holder', { $literal: holder }] };
  const lapsed = { $lte: [{ $ifNull: ['$value.expiresAt', 0] }, now] };
  const taken = {
    holder: { $literal: holder },
    token: { $cond: [holds, { $max: ['$value.token', minToken] }, { $max: [{ $add: [{ $ifNull: ['$value.token', 0] }, 1] }, minToken] }] },
    expiresAt: { $add: [now, ttlMs] },
  };
  try {
    const after = await meta.findOneAndUpdate({ _id: key }, [{ $set: { value: { $cond: [{ $or: [holds, lapsed] }, taken, '$value'] } } }], {
      upsert: true,
      returnDocument: 'after',
    });
    return after ? leaseOf(after.value) : null;
  } catch (err) {
    if (err instanceof MongoServerError && err.code === CODE_DUPLICATE_KEY) return null;
    throw err;
  }
}

/** Numbers come back as int32, int64 or double depending on the arithmetic; the port has plain numbers. */
export function leaseOf(value: LeaseRecord): LeaseRecord {
  return { holder: value.holder, token: toNumber(value.token), expiresAt: toNumber(value.expiresAt) };
}
