import type { FieldErrors } from '@tsoa/runtime';
import { cut, isSecretField, quoted } from '../errors/quoted';

/**
 * tsoa's validation failures as short `details` lines, each naming the field and the rule:
 * `schedule_config.timezone: 'timezone' is required`. A union that matched none of its types (tsoa
 * reports every type's issues as one JSON dump) is answered with the issues of the type that came
 * closest, so a client reads what to fix, not the schema. The value is quoted short (quoted.ts), and
 * not at all for a secret field (`password`, `token`, …).
 */
export function validationDetails(fields: FieldErrors): string[] {
  return Object.entries(fields).flatMap(([field, { message, value }]) => detailsOf(field, message, value));
}

const UNION = 'Could not match the union against any of the items. Issues: ';
const INTERSECTION = 'Could not match the intersection against every type. Issues: ';
/** tsoa's own words: a rule, a pattern, the accepted values; an excess property's name is cut here. */
const EXCESS = /^"([\s\S]*)" is an excess property and therefore is not allowed$/;
/** What tsoa says when a value is not the `null` of a `T | null`. */
const NULL_MEMBER = /^should be (null|one of the following; \[null\])$/;

function detailsOf(field: string, message: string, value: unknown): string[] {
  for (const prefix of [UNION, INTERSECTION]) {
    if (!message.startsWith(prefix)) continue;
    const closest = closestMatch(message.slice(prefix.length));
    if (closest) return validationDetails(closest);
    return [`${fieldName(field)}: does not match any of the accepted shapes`];
  }
  const excess = EXCESS.exec(message);
  const rule = excess ? `${quoted(excess[1])} is an excess property and therefore is not allowed` : message;
  const got = value === undefined || excess || isSecretField(field) ? '' : ` (got ${quoted(value)})`;
  return [`${fieldName(field)}: ${rule}${got}`];
}

/** The issues of the union member with the fewest; `T | null` prefers the member that is not null. */
function closestMatch(json: string): FieldErrors | null {
  let issues: FieldErrors[];
  try {
    issues = JSON.parse(json) as FieldErrors[];
  } catch {
    return null;
  }
  const candidates = issues.filter((issue) => Object.keys(issue).length > 0 && !Object.values(issue).every((e) => NULL_MEMBER.test(e.message)));
  const pool = candidates.length > 0 ? candidates : issues;
  if (pool.length === 0) return null;
  return pool.reduce((best, issue) => (Object.keys(issue).length < Object.keys(best).length ? issue : best));
}

/** Each part of the path cut like a value: a key the client made up is not echoed in bulk either. */
function fieldName(field: string): string {
  const path = field.replace(/^(body|requestBody)\.?/, '') || 'body';
  return path.split('.').map((part) => cut(part)).join('.');
}
