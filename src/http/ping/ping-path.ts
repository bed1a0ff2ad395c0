import type { PingSignal } from '../../commands/flows/ping-run';

/** A ping URL taken apart, in Healthchecks' order of URL patterns (a UUID first, then key and slug). */
export type PingPath =
  | { kind: 'uuid'; uuid: string; signal: PingSignal }
  | { kind: 'slug'; pingKey: string; slug: string; signal: PingSignal }
  /** An exit status above 255, or a slug with capitals: 400 `invalid url format`. */
  | { kind: 'bad' }
  /** Matches no ping URL: 404. */
  | { kind: 'none' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Django's `slug` path converter. */
const SLUG = /^[-a-zA-Z0-9_]+$/;
const ACTIONS: Record<string, PingSignal> = { start: { kind: 'start' }, fail: { kind: 'fail' }, log: { kind: 'log' } };

/** `rest`: the path after `/ping/`, still percent-encoded. */
export function parsePingPath(rest: string): PingPath {
  const parts = rest.split('/');
  const [first, second, third] = parts;
  if (UUID.test(first)) {
    // `/ping/<uuid>` and `/ping/<uuid>/` are success; then an action or an exit status.
    if (parts.length === 1 || (parts.length === 2 && second === '')) return { kind: 'uuid', uuid: first, signal: { kind: 'success' } };
    if (parts.length === 2) {
      const signal = signalOf(second);
      if (signal === 'bad') return { kind: 'bad' };
      if (signal !== null) return { kind: 'uuid', uuid: first, signal };
    }
  }
  // Anything else of two or three segments is a ping key and a slug (a UUID can be a ping key too).
  if (parts.length < 2 || parts.length > 3 || !SLUG.test(first) || !SLUG.test(second)) return { kind: 'none' };
  let signal: PingSignal | 'bad' | null = { kind: 'success' };
  if (parts.length === 3) {
    if (third === '') return { kind: 'none' };
    signal = signalOf(third);
    if (signal === null) return { kind: 'none' };
  }
  if (signal === 'bad' || second !== second.toLowerCase()) return { kind: 'bad' };
  return { kind: 'slug', pingKey: first, slug: second, signal };
}

function signalOf(segment: string): PingSignal | 'bad' | null {
  if (ACTIONS[segment]) return ACTIONS[segment];
  if (!/^[0-9]+$/.test(segment)) return null;
  const status = Number(segment);
  return status > 255 ? 'bad' : { kind: 'exit', status };
}
