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
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The JCS text of a JSON value, or undefined for what JSON.stringify also leaves out (undefined, a
 * function). A value JSON.stringify would still store (NaN and ±Infinity become null) is stored as that.
 */
export function canonicalJson(value: unknown): string | undefined {
  try {
    return canonicalize(value);
  } catch {
    // canonicalize refuses non-finite numbers; JSON.stringify has always stored them as null.
    const text = JSON.stringify(value);
    return text === undefined ? undefined : canonicalize(JSON.parse(text));
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
  return createHash('sha256')
    .update(`{"data":${canonicalData},"metadata":${canonicalMetadata},"previousHash":${previous},`)
    .update(`"revision":${revision},"stream":${JSON.stringify(stream)},"type":${JSON.stringify(type)}}`)
    .digest();
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
