import type { Controller } from '@tsoa/runtime';
import type { Request } from 'express';
import type { RevisionPrecondition } from '../commands/revision-precondition';
import { ValidationError } from '../errors/app-error';

/**
 * Optimistic concurrency over HTTP (RFC 9110 §8.8.3, §13.1.1). A task, group or project answers with
 * `ETag: "<revision>"`, the revision of its own stream that the answer's document reflects; a change
 * sent with `If-Match` is applied only while the stream is still at that revision (else 412).
 *
 * The tag is strong (If-Match compares strongly) and validates the resource's own state: fields the
 * server computes when it answers (a task's `state` and `last_execution`, a group's `state`) change
 * without a new revision, so the answers say `Cache-Control: no-store` and no cache revalidates them.
 */

/** The next entity-tag of an If-Match list (optional `W/`, a quoted opaque tag; RFC 9110 §8.8.3) and its comma. */
const LIST_ITEM = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(,|$)/y;
const REVISION_TAG = /^\d{1,15}$/;

/** The ETag of a document that reflects `revision` of its stream. */
export function etagOf(revision: number): string {
  return `"${revision}"`;
}

/** Sets the ETag of an answer built from `doc`; a document of an older generation, without a revision, gets none. */
export function setETag(controller: Controller, doc: { revision?: number }): void {
  if (doc.revision === undefined) return;
  controller.setHeader('ETag', etagOf(doc.revision));
  controller.setHeader('Cache-Control', 'no-store');
}

/**
 * The revisions the request's If-Match accepts; undefined when it has none or `*` (the original
 * clients, which send none, keep working). A weak tag or one this server never issues matches nothing
 * (412); a header that is not a list of entity-tags is a 400.
 */
export function ifMatchOf(request: Request): RevisionPrecondition | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  if (header.trim() === '*') return undefined;
  const tags = entityTags(header);
  if (!tags || tags.length === 0) {
    throw new ValidationError('Invalid If-Match header', [
      `If-Match: must be * or the ETag of the resource exactly as it was given, quotes included (e.g. "3"); got ${JSON.stringify(header.slice(0, 100))}`,
    ]);
  }
  return tags.filter((tag) => !tag.weak && REVISION_TAG.test(tag.opaque)).map((tag) => Number(tag.opaque));
}

/** The entity-tags of a list (empty elements allowed, RFC 9110 §5.6.1); null when it is not one. */
function entityTags(header: string): { weak: boolean; opaque: string }[] | null {
  const tags: { weak: boolean; opaque: string }[] = [];
  LIST_ITEM.lastIndex = 0;
  while (LIST_ITEM.lastIndex < header.length) {
    const match = LIST_ITEM.exec(header);
    if (!match) return null;
    if (match[2] !== undefined) tags.push({ weak: match[1] !== undefined, opaque: match[2] });
    if (match[3] === '') break;
  }
  return LIST_ITEM.lastIndex >= header.length ? tags : null;
}
