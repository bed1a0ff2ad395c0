import { quoted } from '../../errors/quoted';

/** Few and short: tags label badges and filters, they are not a second description. */
export const MAX_TASK_TAGS = 10;
export const MAX_TAG_LENGTH = 32;
/** Lowercase slugs, so a tag is one spelling in URLs (per-tag badges) and filters. */
const TAG_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export type TagsCheck = { ok: true; value: string[] } | { ok: false; details: string[] };

/** Whether one value is a tag (also how a tag in a URL is checked). */
export function tagProblem(tag: unknown): string | null {
  if (typeof tag !== 'string') return 'must be a string';
  if (tag.length === 0 || tag.length > MAX_TAG_LENGTH) return `must be 1 to ${MAX_TAG_LENGTH} characters long`;
  if (!TAG_SLUG.test(tag)) return 'must be a lowercase slug: a-z, 0-9 and single hyphens between them';
  return null;
}

/** A task's tags, every problem at once; the value is sorted (the stored normal form). */
export function checkTaskTags(tags: unknown[]): TagsCheck {
  const details: string[] = [];
  if (tags.length > MAX_TASK_TAGS) details.push(`tags: ${tags.length} given; at most ${MAX_TASK_TAGS} are allowed`);
  const seen = new Set<string>();
  tags.forEach((tag, index) => {
    const problem = tagProblem(tag);
    if (problem) details.push(`tags[${index}]: ${problem}`);
    else if (seen.has(tag as string)) details.push(`tags[${index}]: ${quoted(tag as string)} is listed more than once`);
    seen.add(tag as string);
  });
  return details.length > 0 ? { ok: false, details } : { ok: true, value: [...seen].sort() };
}
