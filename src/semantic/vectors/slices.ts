/**
 * @module In-memory copies of a vector shard's rows, one "slice" per (fingerprint, dimensions), so a
 * query scans packed int8 codes instead of re-reading SQLite. Slices stay int8 on purpose: 50,000 vectors
 * of 768 dimensions are 38 MB as int8 but 154 MB as float32, over a Durable Object's 128 MB memory.
 */
import { unitCopy } from "./int8";

/** Every vector of one fingerprint and dimension count, packed row after row. */
export interface VectorSlice {
  readonly dims: number;
  readonly ids: string[];
  /** `ids.length * dims` codes. */
  readonly codes: Int8Array;
  /** Per row, 1 / |codes| (see `cosineFactor`). */
  readonly factors: Float32Array;
}

/** A scored row of a slice. */
export interface SliceHit {
  id: string;
  score: number;
}

/** The bytes a slice holds, for the cache budget (ids counted roughly). */
export function sliceBytes(slice: VectorSlice): number {
  return slice.codes.byteLength + slice.factors.byteLength + slice.ids.length * 80;
}

/** The `topK` rows most similar to `query` scoring at least `minScore`, best first (exact scan). */
export function scanSlice(
  slice: VectorSlice,
  query: Float32Array,
  topK: number,
  minScore: number,
): SliceHit[] {
  const { dims, codes, factors, ids } = slice;
  const q = unitCopy(query);
  const hits: SliceHit[] = [];
  for (let row = 0; row < ids.length; row++) {
    const base = row * dims;
    let dot = 0;
    for (let j = 0; j < dims; j++) dot += (q[j] ?? 0) * (codes[base + j] ?? 0);
    const score = dot * (factors[row] ?? 0);
    if (score < minScore) continue;
    // Keep `hits` sorted and at most topK long: k is small (≤ 100), rows are many.
    if (hits.length === topK && score <= (hits[topK - 1]?.score ?? Number.NEGATIVE_INFINITY)) continue;
    let at = hits.length;
    while (at > 0 && (hits[at - 1]?.score ?? 0) < score) at--;
    hits.splice(at, 0, { id: ids[row] ?? "", score });
    if (hits.length > topK) hits.pop();
  }
  return hits;
}

/** Slices by key, least recently used first, within a byte budget. */
export class SliceCache {
  readonly #slices = new Map<string, VectorSlice>();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  static key(fingerprint: string, dims: number): string {
    return `${dims}:${fingerprint}`;
  }

  get(key: string): VectorSlice | undefined {
    const slice = this.#slices.get(key);
    if (slice === undefined) return undefined;
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.#slices.delete(key);
    this.#slices.set(key, slice);
    return slice;
  }

  set(key: string, slice: VectorSlice): void {
    this.#drop(key);
    const bytes = sliceBytes(slice);
    // A slice bigger than the whole budget is served once and not kept.
    if (bytes > this.maxBytes) return;
    this.#slices.set(key, slice);
    this.#bytes += bytes;
    for (const [oldest] of this.#slices) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest);
    }
  }

  /** Forgets every slice of a fingerprint, whatever its dimensions (called on each write). */
  invalidate(fingerprint: string): void {
    for (const key of [...this.#slices.keys()]) {
      if (key.slice(key.indexOf(":") + 1) === fingerprint) this.#drop(key);
    }
  }

  clear(): void {
    this.#slices.clear();
    this.#bytes = 0;
  }

  get size(): number {
    return this.#slices.size;
  }

  #drop(key: string): void {
    const slice = this.#slices.get(key);
    if (slice === undefined) return;
    this.#slices.delete(key);
    this.#bytes -= sliceBytes(slice);
  }
}
