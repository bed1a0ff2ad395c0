import type { FieldErrors } from '@tsoa/runtime';

/**
 * tsoa's validation failures as short `details` lines, each naming the field and the rule:
 * `schedule_config.timezone: 'timezone' is required`. A union that matched none of its types (tsoa
 * reports every type's issues as one JSON dump) is answered with the issues of the type that came
 * closest, so a client reads what to fix, not the schema.
 */
export function validationDetails(fields: FieldErrors): string[] {
  return Object.entries(fields).flatMap(([field, { message, value }]) => detailsOf(field, message, value));
}

const UNION = 'Could not match the union against any of the items. Issues: ';
const MAX_VALUE_CHARS = 60;
const SECRET_FIELD = /password$/i;
/** What tsoa says when a value is not the `null` of a `T | null`. */
const NULL_MEMBER = /^should be (null|one of the following; \[null\])$/;

function detailsOf(field: string, message: string, value: unknown): string[] {
  if (message.startsWith(UNION)) {
    const closest = closestMatch(message.slice(UNION.length));
    if (closest) return validationDetails(closest);
    return [`${fieldName(field)}: does not match any of the accepted shapes`];
  }
  // A password is never quoted back, not even in part.
  const quoted = value !== undefined && !SECRET_FIELD.test(field);
  return [`${fieldName(field)}: ${message}${quoted ? ` (got ${shortJson(value)})` : ''}`];
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

function fieldName(field: string): string {
  return field.replace(/^(body|requestBody)\.?/, '') || 'body';
}

function shortJson(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}…` : json;
}
