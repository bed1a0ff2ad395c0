/**
 * The lease on MongoDB (ReadStore.acquireLease): one `_meta` document changed by one findOneAndUpdate
 * whose filter and update read the server's clock, `$$NOW` (MongoDB 4.2+), never the caller's.
 */
import { type Collection, MongoServerError } from 'mongodb';
import { CODE_DUPLICATE_KEY, toNumber } from './mongo-translation';
import type { LeaseRecord } from './read-store';

export interface LeaseDoc {
  _id: string;
  value: LeaseRecord;
}

/**
 * Renews the lease for its holder, or takes it when missing or lapsed; null when another holder's lease
 * has not lapsed (the filter matched nothing, so the upsert collided with the existing `_id`).
 */
export async function takeOrRenewLease(meta: Collection<LeaseDoc>, key: string, holder: string, ttlMs: number, minToken: number): Promise<LeaseRecord | null> {
  const now = { $toLong: '$$NOW' };
  const holds = { $eq: ['$value.holder', { $literal: holder }] };
  const lapsed = { $lte: [{ $ifNull: ['$value.expiresAt', 0] }, now] };
  const renews = { $and: [holds, { $not: [lapsed] }] };
  try {
    const after = await meta.findOneAndUpdate(
      { _id: key, $expr: { $or: [holds, lapsed] } },
      [
        {
          $set: {
            value: {
              holder: { $literal: holder },
              token: { $cond: [renews, '$value.token', { $max: [{ $add: [{ $ifNull: ['$value.token', 0] }, 1] }, minToken] }] },
              expiresAt: { $add: [now, ttlMs] },
            },
          },
        },
      ],
      { upsert: true, returnDocument: 'after' },
    );
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
