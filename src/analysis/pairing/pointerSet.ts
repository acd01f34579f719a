/**
 * A set of pointer keys (the pairer's normalised keys: lowercase hex without leading zeros, or a
 * decimal pfn) stored as 64-bit values in typed arrays: no string is kept, so a piece's set of
 * hundreds of thousands of pointers costs the garbage collector nothing (a Set of the key strings
 * kept every one alive, to be copied by every scavenge and promoted). Keys that are not 1-16
 * characters of [0-9a-f] without a leading zero (`g…` page keys, anything unusual) go to a plain
 * Set, so every key maps to exactly one entry and keys() gives back the strings added. export()
 * and PointerSet.from carry it across threads (typed arrays: structured-clone safe).
 */

/** The two 32-bit halves of the last key parsed by hexKey (module slots: no result object). */
let keyHi = 0;
let keyLo = 0;

/** Parses a key of 1-16 lowercase hex digits (no leading zero) into keyHi/keyLo; false for any other key. */
function hexKey(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 16 || (n > 1 && key.charCodeAt(0) === 48)) return false;
  let hi = 0;
  let lo = 0;
  const split = n > 8 ? n - 8 : 0;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else return false;
    if (i < split) hi = hi * 16 + d;
    else lo = lo * 16 + d;
  }
  keyHi = hi;
  keyLo = lo;
  return true;
}

function slotOf(hi: number, lo: number, mask: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return h & mask;
}

/** What PointerSet#export gives and PointerSet.from takes (typed arrays and strings only). */
export interface PointerSetData {
  capacity: number;
  hi: Uint32Array;
  lo: Uint32Array;
  used: Uint8Array;
  others: string[];
}

export class PointerSet {
  #capacity: number;
  #hi: Uint32Array;
  #lo: Uint32Array;
  #used: Uint8Array;
  #count = 0;
  readonly #others: Set<string>;

  constructor(capacity = 1024, data?: PointerSetData) {
    if (data) {
      this.#capacity = data.capacity;
      this.#hi = data.hi;
      this.#lo = data.lo;
      this.#used = data.used;
      for (let i = 0; i < data.capacity; i++) this.#count += data.used[i];
      this.#others = new Set(data.others);
      return;
    }
    this.#capacity = capacity;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#used = new Uint8Array(capacity);
    this.#others = new Set();
  }

  /** A set over exported data (no copy). */
  static from(data: PointerSetData): PointerSet {
    return new PointerSet(0, data);
  }

  get size(): number {
    return this.#count + this.#others.size;
  }

  add(key: string): void {
    if (!hexKey(key)) {
      this.#others.add(key);
      return;
    }
    const mask = this.#capacity - 1;
    let i = slotOf(keyHi, keyLo, mask);
    while (this.#used[i] === 1) {
      if (this.#hi[i] === keyHi && this.#lo[i] === keyLo) return;
      i = (i + 1) & mask;
    }
    this.#used[i] = 1;
    this.#hi[i] = keyHi;
    this.#lo[i] = keyLo;
    if (++this.#count * 2 > this.#capacity) this.#grow();
  }

  has(key: string): boolean {
    if (!hexKey(key)) return this.#others.has(key);
    const mask = this.#capacity - 1;
    let i = slotOf(keyHi, keyLo, mask);
    while (this.#used[i] === 1) {
      if (this.#hi[i] === keyHi && this.#lo[i] === keyLo) return true;
      i = (i + 1) & mask;
    }
    return false;
  }

  /** Every key, as the normalised string it was added as. */
  *keys(): IterableIterator<string> {
    for (let i = 0; i < this.#capacity; i++) {
      if (this.#used[i] === 0) continue;
      const hi = this.#hi[i];
      const lo = this.#lo[i];
      yield hi > 0 ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16);
    }
    yield* this.#others;
  }

  /** The set's state for another thread (structured-clone safe). */
  export(): PointerSetData {
    return { capacity: this.#capacity, hi: this.#hi, lo: this.#lo, used: this.#used, others: [...this.#others] };
  }

  #grow(): void {
    const oldHi = this.#hi;
    const oldLo = this.#lo;
    const oldUsed = this.#used;
    const cap = this.#capacity * 2;
    this.#capacity = cap;
    this.#hi = new Uint32Array(cap);
    this.#lo = new Uint32Array(cap);
    this.#used = new Uint8Array(cap);
    const mask = cap - 1;
    for (let j = 0; j < oldUsed.length; j++) {
      if (oldUsed[j] === 0) continue;
      let i = slotOf(oldHi[j], oldLo[j], mask);
      while (this.#used[i] === 1) i = (i + 1) & mask;
      this.#used[i] = 1;
      this.#hi[i] = oldHi[j];
      this.#lo[i] = oldLo[j];
    }
  }
}
