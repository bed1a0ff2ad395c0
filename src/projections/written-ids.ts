/**
 * The documents a worker has written to a generation that started empty (a rebuild), as a Bloom
 * filter: a document it has never written cannot be stored, so the batch answers "none" without asking
 * the store. A rebuild of the statistics creates a bucket for nearly every execution, and that read
 * found nothing each time. A false "maybe" only costs the read it would have done anyway; the filter
 * never answers "none" for a document that was written. Fixed size: about 0.6% false "maybe"s at a
 * million documents, more after that, never a wrong "none".
 */
const BITS_LOG2 = 24;
const MASK = (1 << BITS_LOG2) - 1;
const PROBES = 3;

export class WrittenIds {
  private readonly bits = new Int32Array(1 << (BITS_LOG2 - 5));
  private h1 = 0;
  private h2 = 0;

  add(collection: string, id: string): void {
    this.hash(collection, id);
    for (let i = 0; i < PROBES; i++) {
      const bit = (this.h1 + i * this.h2) & MASK;
      this.bits[bit >>> 5] |= 1 << (bit & 31);
    }
  }

  /** False only when (collection, id) was never added. */
  mightHave(collection: string, id: string): boolean {
    this.hash(collection, id);
    for (let i = 0; i < PROBES; i++) {
      const bit = (this.h1 + i * this.h2) & MASK;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  /** Two independent 32-bit FNV-1a hashes of collection, a separator and id (no string is built). */
  private hash(collection: string, id: string): void {
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ 0x5bd1e995;
    for (let i = 0; i < collection.length; i++) {
      const c = collection.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 0, 0x01000193);
    b = Math.imul(b ^ 0, 0x5bd1e995);
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    this.h1 = a >>> 0;
    // Odd, so the probes differ.
    this.h2 = (b ^ (b >>> 15)) | 1;
  }
}
