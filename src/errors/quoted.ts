/**
 * What an error message may show of a value a client sent: enough to recognise it, never the whole of
 * a large one (a 1 MB field must not come back in the 400), and nothing of a secret.
 */

/** How many characters of a client's value a message may quote. */
export const QUOTED_CHARS = 32;

/** Text cut to `max` characters, with "…" where it was cut. */
export function cut(text: string, max = QUOTED_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A client's value as a message quotes it: as JSON, at most QUOTED_CHARS characters of it. */
export function quoted(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(cut(value));
  return cut(JSON.stringify(value) ?? String(value));
}

/** Fields whose values are secrets (passwords, tokens, keys, signatures): no part of them is ever quoted. */
const SECRET_FIELD = /pass(word|wd|phrase)?|secret|token|api_?key|credential|signature|private_?key/i;

export function isSecretField(field: string): boolean {
  return SECRET_FIELD.test(field);
}
