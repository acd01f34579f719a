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

/** The last key hexKey parsed and its outcome: a pairer asks about one key several times in a row. */
let lastKey: string | undefined;
let lastHex = false;

/** Parses a key of 1-16 lowercase hex digits (no leading zero) into keyHi/keyLo; false for any other key. */
function hexKey(key: string): boolean {
  if (key === lastKey) return lastHex;
  lastKey = key;
  lastHex = parseHexKey(key);
  return lastHex;
}

function parseHexKey(key: string): boolean {
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

/** The key string of a 64-bit value as hexKey parsed it. */
function keyString(hi: number, lo: number): string {
  return hi > 0 ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16);
}

function slotOf(hi: number, lo: number, mask: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return h & mask;
}

const EMPTY = -1;
const DELETED = -2;

/** What PointerSet#export gives and PointerSet.from takes (typed arrays and strings only). */
export interface PointerSetData {
  capacity: number;
  hi: Uint32Array;
  lo: Uint32Array;
  used: Uint8Array;
  others: string[];
}

/**
 * A set of pointer keys in one open-addressing table of typed arrays. Not a LiveMap without
 * values, though it shares its hashing: a LiveMap keeps two JS arrays per entry (values and
 * string keys, in insertion order), which for a piece's hundreds of thousands of pointers are
 * exactly the GC-scanned memory this set exists to avoid (tried and reverted, 2026-11-22).
 */
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
      yield keyString(this.#hi[i], this.#lo[i]);
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

/**
 * An insertion-ordered map from pointer keys to values, with the iteration order and the
 * get/set/delete semantics of a Map: the pairer's live set. Hex keys are held as 64-bit values
 * (no key string kept: a kept slice pins the input chunk it was cut from, and a copy per
 * allocation costs more than the lookup), other keys as detached strings.
 */
export class LiveMap<V> {
  /** Entries in insertion order; a deleted one is undefined until the next rebuild. */
  #values: (V | undefined)[] = [];
  #hi = new Uint32Array(1024);
  #lo = new Uint32Array(1024);
  /** The key of an entry that is not a hex key (undefined for hex keys). */
  #strings: (string | undefined)[] = [];
  #count = 0;
  /** Open-addressing index of hex keys: entry number, EMPTY or DELETED. */
  #index = new Int32Array(2048).fill(EMPTY);
  #indexFilled = 0;
  readonly #others = new Map<string, number>();

  get size(): number {
    return this.#count;
  }

  get(key: string): V | undefined {
    const e = this.#find(key);
    return e < 0 ? undefined : this.#values[e];
  }

  has(key: string): boolean {
    return this.#find(key) >= 0;
  }

  set(key: string, value: V): this {
    const e = this.#find(key);
    if (e >= 0) {
      this.#values[e] = value;
      return this;
    }
    const at = this.#values.length;
    if (at === this.#hi.length) this.#growEntries();
    this.#values.push(value);
    this.#count++;
    if (hexKey(key)) {
      this.#hi[at] = keyHi;
      this.#lo[at] = keyLo;
      this.#strings.push(undefined);
      this.#insertIndex(keyHi, keyLo, at);
    } else {
      const k = key.length === 0 ? '' : (' ' + key).slice(1);
      this.#strings.push(k);
      this.#others.set(k, at);
    }
    return this;
  }

  delete(key: string): boolean {
    if (!hexKey(key)) {
      const e = this.#others.get(key);
      if (e === undefined) return false;
      this.#others.delete(key);
      this.#remove(e);
      return true;
    }
    const mask = this.#index.length - 1;
    let i = slotOf(keyHi, keyLo, mask);
    for (;;) {
      const e = this.#index[i];
      if (e === EMPTY) return false;
      if (e >= 0 && this.#hi[e] === keyHi && this.#lo[e] === keyLo) {
        this.#index[i] = DELETED;
        this.#remove(e);
        return true;
      }
      i = (i + 1) & mask;
    }
  }

  *keys(): IterableIterator<string> {
    for (let e = 0; e < this.#values.length; e++) if (this.#values[e] !== undefined) yield this.#keyOf(e);
  }

  *values(): IterableIterator<V> {
    for (let e = 0; e < this.#values.length; e++) {
      const v = this.#values[e];
      if (v !== undefined) yield v;
    }
  }

  *entries(): IterableIterator<[string, V]> {
    for (let e = 0; e < this.#values.length; e++) {
      const v = this.#values[e];
      if (v !== undefined) yield [this.#keyOf(e), v];
    }
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  #keyOf(e: number): string {
    return this.#strings[e] ?? keyString(this.#hi[e], this.#lo[e]);
  }

  /** The entry number of key, or -1. */
  #find(key: string): number {
    if (!hexKey(key)) return this.#others.get(key) ?? -1;
    const mask = this.#index.length - 1;
    let i = slotOf(keyHi, keyLo, mask);
    for (;;) {
      const e = this.#index[i];
      if (e === EMPTY) return -1;
      if (e >= 0 && this.#hi[e] === keyHi && this.#lo[e] === keyLo) return e;
      i = (i + 1) & mask;
    }
  }

  #insertIndex(hi: number, lo: number, e: number): void {
    const mask = this.#index.length - 1;
    let i = slotOf(hi, lo, mask);
    while (this.#index[i] >= 0) i = (i + 1) & mask;
    if (this.#index[i] === EMPTY) this.#indexFilled++;
    this.#index[i] = e;
    if (this.#indexFilled * 2 > this.#index.length) this.#rebuild();
  }

  #remove(e: number): void {
    this.#values[e] = undefined;
    this.#count--;
    // entries of deleted keys pile up at the front as objects come and go: compact now and then
    if (this.#values.length > 4096 && this.#count * 4 < this.#values.length) this.#rebuild();
  }

  #growEntries(): void {
    const hi = new Uint32Array(this.#hi.length * 2);
    hi.set(this.#hi);
    this.#hi = hi;
    const lo = new Uint32Array(this.#lo.length * 2);
    lo.set(this.#lo);
    this.#lo = lo;
  }

  /** Drops deleted entries (keeping the order) and rebuilds the index at twice the live count. */
  #rebuild(): void {
    const values: (V | undefined)[] = [];
    const strings: (string | undefined)[] = [];
    let w = 0;
    for (let e = 0; e < this.#values.length; e++) {
      const v = this.#values[e];
      if (v === undefined) continue;
      values.push(v);
      strings.push(this.#strings[e]);
      this.#hi[w] = this.#hi[e];
      this.#lo[w] = this.#lo[e];
      const s = this.#strings[e];
      if (s !== undefined) this.#others.set(s, w);
      w++;
    }
    this.#values = values;
    this.#strings = strings;
    let cap = 2048;
    while (cap < w * 4) cap *= 2;
    this.#index = new Int32Array(cap).fill(EMPTY);
    this.#indexFilled = 0;
    const mask = cap - 1;
    for (let e = 0; e < w; e++) {
      if (strings[e] !== undefined) continue;
      let i = slotOf(this.#hi[e], this.#lo[e], mask);
      while (this.#index[i] !== EMPTY) i = (i + 1) & mask;
      this.#index[i] = e;
      this.#indexFilled++;
    }
  }
}
