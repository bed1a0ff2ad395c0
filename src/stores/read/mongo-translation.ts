/**
 * How the MongoDB read store (mongo-read-store.ts) spells the port's things in MongoDB: filters, keyset
 * branches, merged document writes, stored documents, and MongoDB's write errors as the port's errors.
 */
import { type AnyBulkWriteOperation, type Document, Long, type WriteError } from 'mongodb';
import { type AppError, ConflictError, UnavailableError, ValidationError } from '../../errors/app-error';
import type { DocWrite } from './batch-plan';
import type { KeyCondition } from './cursor';
import type { Comparison } from './query';
import type { Doc } from './read-store';

export const CODE_DUPLICATE_KEY = 11000;
/** Update errors caused by the data: TypeMismatch ($inc on a string), PathNotViable (a.b under a number), BadValue. */
const DATA_ERROR_CODES = new Set([2, 14, 28]);

export interface StoredDoc {
  _id: string;
  _pos: Long;
  [field: string]: unknown;
}

export function mongoField(field: string): string {
  return field === 'id' ? '_id' : field;
}

const MONGO_OPERATOR = { eq: '$eq', ne: '$ne', in: '$in', gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte', exists: '$exists' } as const;

/** The normal form maps one to one onto MongoDB's operators, whose semantics it was written after. */
export function toMongoFilter(comparisons: Comparison[]): Document {
  const clauses = comparisons.map((c) => ({ [mongoField(c.field)]: { [MONGO_OPERATOR[c.op]]: c.value } }));
  if (clauses.length === 0) return {};
  return clauses.length === 1 ? clauses[0]! : { $and: clauses };
}

export function toMongoBranch(conditions: KeyCondition[]): Document {
  return {
    $and: conditions.map((k) => {
      const field = mongoField(k.field);
      switch (k.op) {
        case 'null':
          return { [field]: null };
        case 'notNull':
          return { [field]: { $ne: null } };
        default:
          return { [field]: { [`$${k.op}`]: k.value } };
      }
    }),
  };
}

export function toBulkOperation(write: DocWrite): AnyBulkWriteOperation<StoredDoc> {
  // `$not: {$gte}` rather than `$lt` so a document without `_pos` (written by hand) is not stuck.
  const filter = { _id: write.id, _pos: { $not: { $gte: Long.fromNumber(write.guard) } } };
  const position = Long.fromNumber(write.position);
  const merged = write.merged;
  switch (merged.kind) {
    case 'delete':
      return { deleteOne: { filter } };
    case 'replace': {
      const { id: _id, ...fields } = merged.doc;
      return { replaceOne: { filter, replacement: { ...fields, _pos: position } as StoredDoc, upsert: true } };
    }
    case 'update': {
      const update: Document = { $set: { _pos: position } };
      const unset: Document = {};
      for (const [path, value] of merged.set) {
        if (value === undefined) unset[path] = '';
        else update.$set[path] = value;
      }
      if (Object.keys(unset).length > 0) update.$unset = unset;
      if (merged.inc.size > 0) update.$inc = Object.fromEntries(merged.inc);
      if (merged.setOnInsert.size > 0) update.$setOnInsert = Object.fromEntries(merged.setOnInsert);
      return { updateOne: { filter, update, upsert: true } };
    }
  }
}

/** A redelivered write's upsert collides with the existing document's `_id`; any other E11000 is real. */
export function isIdDuplicate(error: WriteError): boolean {
  // "E11000 duplicate key error collection: db.c index: _id_ dup key: …" (before 3.4: "index: db.c.$_id_").
  return error.code === CODE_DUPLICATE_KEY && /index: (?:\S+\$)?_id_ /.test(error.errmsg ?? '');
}

export function writeErrorToAppError(error: WriteError, collection: string): AppError {
  const message = `${collection}: ${error.errmsg ?? `write error ${error.code}`}`;
  if (error.code === CODE_DUPLICATE_KEY) return new ConflictError(`Unique index violated in ${message}`);
  if (DATA_ERROR_CODES.has(error.code)) return new ValidationError(`Cannot apply the batch to ${message}`);
  return new UnavailableError(`MongoDB rejected a write to ${message}`);
}

export function fromStored(stored: Document): Doc {
  const { _id, _pos, ...fields } = stored;
  return { id: _id as string, ...fields };
}

export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof Long) return value.toNumber();
  return -1;
}

