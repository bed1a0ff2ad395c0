/**
 * The documents a worker has written to a generation that started empty (a rebuild), as a Bloom
 * filter: a document it has never written cannot be stored, so the batch answers "none" without asking
 * the store. A rebuild of the statistics creates a bucket for nearly every execution, and that read
 * found nothing each time. A false "maybe" only costs the read it would have done anyway; the filter
 * never answers "none" for a document that was written. Fixed size: about 0.5% false "maybe"s at a
 * million documents, more after that, never a wrong "none".
 *
 * Blocked: an id's probes all fall in one 512-bit block (a cache line), so a lookup in the 2 MiB of
 * bits costs one cache miss instead of one per probe, and one hash of the id serves both the block and
 * the probes. A rebuild adds and looks up a few ids per event, and that was a tenth of its own work.
 */
const BLOCKS_LOG2 = 15;
const BLOCK_MASK = (1 << BLOCKS_LOG2) - 1;
/** 32-bit words per block (512 bits). */
const BLOCK_WORDS_LOG2 = 4;
const PROBES = 3;
/** Bits of the mixed hash each probe takes (2^9 = 512 bits of a block). */
const PROBE_BITS = 9;
const PROBE_MASK = (1 << PROBE_BITS) - 1;
// A module binding, not a global lookup per character (slow where globals are intercepted, as in jest's sandbox).
const imul = Math.imul;

export class WrittenIds {
  private readonly bits = new Int32Array(1 << (BLOCKS_LOG2 + BLOCK_WORDS_LOG2));

  /** Adds (collection, id); answers false when it was certainly not added before. */
  add(collection: string, id: string): boolean {
    const hash = hashOf(collection, id);
    const block = (hash & BLOCK_MASK) << BLOCK_WORDS_LOG2;
    const probes = mix(hash);
    let before = true;
    for (let i = 0; i < PROBES; i++) {
      const bit = (probes >>> (i * PROBE_BITS)) & PROBE_MASK;
      const word = block + (bit >>> 5);
      if ((this.bits[word]! & (1 << (bit & 31))) === 0) before = false;
      this.bits[word] |= 1 << (bit & 31);
    }
    return before;
  }

  /** False only when (collection, id) was never added. */
  mightHave(collection: string, id: string): boolean {
    const hash = hashOf(collection, id);
    const block = (hash & BLOCK_MASK) << BLOCK_WORDS_LOG2;
    const probes = mix(hash);
    for (let i = 0; i < PROBES; i++) {
      const bit = (probes >>> (i * PROBE_BITS)) & PROBE_MASK;
      if ((this.bits[block + (bit >>> 5)]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** 32-bit FNV-1a of collection, a separator and id (no string is built). */
function hashOf(collection: string, id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < collection.length; i++) hash = imul(hash ^ collection.charCodeAt(i), 0x01000193);
  hash = imul(hash, 0x01000193);
  for (let i = 0; i < id.length; i++) hash = imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash;
}

/** MurmurHash3's finalizer: the probes' bits, independent of the low bits that chose the block. */
function mix(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
