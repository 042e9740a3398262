/**
 * @module A count-min sketch of how often keys were seen, with aging: TinyLFU's frequency estimate
 * (Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", 2017).
 */

/** Rows of the sketch: each key has one counter per row and its estimate is the smallest. */
const DEPTH = 4;
/** Counters saturate here (TinyLFU's 4-bit counters): past 15 hits, more hits say nothing new. */
const MAX_COUNT = 15;
/** Counters per row for each key tracked: Caffeine's 16 four-bit counters per key, over 4 rows. */
const COLUMNS_PER_KEY = 4;
/** After this many increments per key tracked, every counter is halved (TinyLFU's reset sample). */
const SAMPLE_FACTOR = 10;
const MIN_KEYS = 16;

export interface FrequencySketch {
  /** Records one occurrence of `key`. */
  increment(key: string): void;
  /** How often `key` was seen recently (never below the truth, up to aging and MAX_COUNT). */
  estimate(key: string): number;
  /** Grows the sketch (and forgets what it counted) when it is to track more keys than it was sized for. */
  ensureCapacity(keys: number): void;
  /** Increments since the last halving. */
  readonly additions: number;
  /** Increments after which every counter is halved. */
  readonly sampleSize: number;
  clear(): void;
}

/** FNV-1a over UTF-16 code units. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A sketch of 4 rows x `width` one-byte counters for `capacity` keys (a power of two), width = 4 x
 * capacity: 16 bytes per key L1 holds, grown with it and never past what L1 held at its fullest.
 */
export function createFrequencySketch(keys = MIN_KEYS): FrequencySketch {
  let capacity = MIN_KEYS;
  let width = COLUMNS_PER_KEY * capacity;
  let table = new Uint8Array(DEPTH * width);
  let additions = 0;

  // Double hashing: row i uses h1 + i * h2, h2 odd so the rows differ for every width. No arrays:
  // this runs on every L1 read.
  const second = (h1: number): number => (Math.imul(h1 ^ (h1 >>> 16), 0x45d9f3b) | 1) >>> 0;
  const slot = (h1: number, h2: number, row: number): number => row * width + ((h1 + row * h2) & (width - 1));
  const age = (): void => {
    for (let i = 0; i < table.length; i++) table[i] = (table[i] ?? 0) >> 1;
    additions = Math.floor(additions / 2);
  };
  const resize = (tracked: number): void => {
    capacity = Math.max(MIN_KEYS, 2 ** Math.ceil(Math.log2(tracked)));
    width = COLUMNS_PER_KEY * capacity;
    table = new Uint8Array(DEPTH * width);
    additions = 0;
  };
  resize(keys);

  return {
    increment(key) {
      const h1 = hash(key);
      const h2 = second(h1);
      let counted = false;
      for (let row = 0; row < DEPTH; row++) {
        const at = slot(h1, h2, row);
        const count = table[at] ?? MAX_COUNT;
        if (count < MAX_COUNT) {
          table[at] = count + 1;
          counted = true;
        }
      }
      if (counted && ++additions >= SAMPLE_FACTOR * capacity) age();
    },
    estimate(key) {
      const h1 = hash(key);
      const h2 = second(h1);
      let min = MAX_COUNT;
      for (let row = 0; row < DEPTH; row++) min = Math.min(min, table[slot(h1, h2, row)] ?? 0);
      return min;
    },
    ensureCapacity(keys) {
      if (keys > capacity) resize(keys);
    },
    get additions() {
      return additions;
    },
    get sampleSize() {
      return SAMPLE_FACTOR * capacity;
    },
    clear: () => resize(MIN_KEYS),
  };
}
