/**
 * Tamper evidence: every event carries a SHA-256 linking it to the previous event of its stream
 * (README, "Tamper evidence"). Both adapters hash here, at append, and verify with `ChainWalk`.
 *
 * An event's canonical bytes are the UTF-8 bytes of the RFC 8785 (JCS) form of
 * `{data, metadata, previousHash, revision, stream, type}`, `previousHash` being the lowercase hex hash
 * of the stream's previous event, or null for the first event of the stream's chain. Its hash is the
 * SHA-256 of those bytes. Since JCS sorts keys, that text is written here by concatenation from the
 * canonical JSON of data and metadata, which the embedded store also stores as is: hashing at append
 * and verifying need no second serialization.
 */
import { hash } from 'node:crypto';

/** `"key":` for the keys seen most, so most events quote none (bounded: keys of user data vary). */
const quotedKeys = new Map<string, string>();
const MAX_QUOTED_KEYS = 10_000;

/**
 * The RFC 8785 (JCS) text of a JSON value: object keys sorted by UTF-16 code units, no whitespace,
 * strings and numbers as JSON.stringify writes them. Like JSON.stringify, it leaves out undefined and
 * functions (null in arrays), calls toJSON, and writes NaN and ±Infinity as null (JCS itself refuses
 * them). Hand-written rather than the `canonicalize` package because appends run it on every event and
 * this is about 1.7× faster; the tests check it against that package on many values.
 */
export function canonicalJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (canonicalJson(value[i]) ?? 'null');
    return `${out}]`;
  }
  const object = value as Record<string, unknown> & { toJSON?: unknown };
  if (typeof object.toJSON === 'function') return canonicalJson((object.toJSON as () => unknown)());
  const keys = Object.keys(object);
  if (keys.length > MAX_INSERTION_SORTED) keys.sort();
  else if (keys.length > 1) sortKeys(keys);
  let out = '{';
  let separator = '';
  for (const key of keys) {
    const text = canonicalJson(object[key]);
    if (text === undefined) continue;
    let quoted = quotedKeys.get(key);
    if (quoted === undefined) {
      quoted = `${JSON.stringify(key)}:`;
      if (quotedKeys.size < MAX_QUOTED_KEYS) quotedKeys.set(key, quoted);
    }
    out += separator + quoted + text;
    separator = ',';
  }
  return `${out}}`;
}

/** Objects with more keys than this (user data can have thousands) are sorted by V8, in n log n. */
const MAX_INSERTION_SORTED = 16;

/**
 * Sorts an object's keys in place by UTF-16 code units, as Array.prototype.sort does with no comparator.
 * An insertion sort: an event's objects have a few keys each, and V8's sort copied every array it sorted
 * into a work array first (a tenth of what the scheduler allocates per tick).
 */
function sortKeys(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/** The hash of an event, from the canonical JSON of its data and metadata (see the top of this file). */
export function chainHash(
  previousHash: Buffer | null,
  stream: string,
  revision: number,
  type: string,
  canonicalData: string,
  canonicalMetadata: string,
): Buffer {
  const previous = previousHash ? `"${previousHash.toString('hex')}"` : 'null';
  // One-shot hash: about half the cost of createHash() for an event's few hundred bytes.
  return hash(
    'sha256',
    `{"data":${canonicalData},"metadata":${canonicalMetadata},"previousHash":${previous},"revision":${revision},"stream":${JSON.stringify(stream)},"type":${JSON.stringify(type)}}`,
    'buffer',
  );
}

export interface VerifyChainOptions {
  /** Only the streams of this project: `project-<id>` and those whose first event's data has this `projectId`. */
  project?: string;
  /** Called every few thousand events with the events checked so far and the total to check (null: not known). */
  onProgress?: (checked: number, total: number | null) => void;
}

/** The first link that does not hold, in stream order. */
export interface ChainBreak {
  stream: string;
  revision: number;
  /** `changed`: the event's hash is not what its bytes give; `gap`: revisions are missing before it; `unhashed`: no hash after the chain began. */
  kind: 'changed' | 'gap' | 'unhashed';
  expected: string;
  found: string;
}

export interface ChainReport {
  /** Events whose link was checked (before the first break, if any). */
  events: number;
  streams: number;
  /** Events stored before the chain began (a store upgraded from a version without it): counted, not proven. */
  unhashed: number;
  broken: ChainBreak | null;
}

/** One stored event as verification sees it: data and metadata as stored (canonical JSON). */
export interface StoredLink {
  stream: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  /** Null for an event without a hash. */
  hash: Buffer | null;
  /** Whether it was stored before the chain began (unhashed events there are expected). */
  beforeChain: boolean;
}

/**
 * Checks stored events, each stream's in revision order, and counts them. Fed stream by stream (the
 * embedded store's index order), it keeps only the current stream's last link; `interleaved` (streams
 * mixed, as in EventStoreDB's `$all`) keeps every stream's. Stops at the first break: whatever follows
 * a broken link is unproven anyway.
 */
export class ChainWalk {
  private readonly last = new Map<string, { revision: number; hash: Buffer | null }>();
  private readonly report: ChainReport = { events: 0, streams: 0, unhashed: 0, broken: null };

  constructor(private readonly interleaved = false) {}

  /** False once a break was found. */
  add(link: StoredLink): boolean {
    if (this.report.broken) return false;
    let last = this.last.get(link.stream);
    if (!last) {
      if (!this.interleaved) this.last.clear();
      last = { revision: -1, hash: null };
      this.last.set(link.stream, last);
      this.report.streams++;
    }
    const broken = this.check(link, last.revision, last.hash);
    if (broken) {
      this.report.broken = broken;
      return false;
    }
    last.revision = link.revision;
    last.hash = link.hash;
    return true;
  }

  result(): ChainReport {
    return { ...this.report };
  }

  private check(link: StoredLink, lastRevision: number, lastHash: Buffer | null): ChainBreak | null {
    const { stream, revision } = link;
    if (revision !== lastRevision + 1) {
      const missing = revision - 1 === lastRevision + 1 ? `${lastRevision + 1}` : `${lastRevision + 1}..${revision - 1}`;
      return { stream, revision, kind: 'gap', expected: `revision ${lastRevision + 1}`, found: `revision ${revision} (missing ${missing})` };
    }
    if (link.hash === null) {
      if (link.beforeChain) {
        this.report.unhashed++;
        return null;
      }
      return { stream, revision, kind: 'unhashed', expected: 'a hash (stored after the chain began)', found: 'no hash' };
    }
    const expected = chainHash(lastHash, stream, revision, link.type, link.data, link.metadata);
    if (!expected.equals(link.hash)) {
      return { stream, revision, kind: 'changed', expected: expected.toString('hex'), found: link.hash.toString('hex') };
    }
    this.report.events++;
    return null;
  }
}

/** "verified N events in M streams" or the break, as `audit verify` prints it. */
export function describeChainReport(report: ChainReport): string {
  const unhashed = report.unhashed > 0 ? ` (and ${report.unhashed} unhashed events from before the chain)` : '';
  if (!report.broken) return `verified ${report.events} events in ${report.streams} streams${unhashed}`;
  const { stream, revision, kind, expected, found } = report.broken;
  const what = { changed: 'changed: its hash does not match its content', gap: 'events missing before it', unhashed: 'has no hash' }[kind];
  return `broken link at ${stream} revision ${revision}: ${what}\n  expected: ${expected}\n  found:    ${found}`;
}
