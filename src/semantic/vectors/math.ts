/** @module Vector helpers shared by embedders, indexes and the evaluation. */

/** Cosine similarity of two unit vectors (their dot product); extra components of the longer are ignored. */
export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  for (let i = 0; i < n; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

/** Scales a vector to unit L2 norm in place; the zero vector is returned unchanged. */
export function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm === 0) return vector;
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/** A scored neighbour returned by {@link nearest}. */
export interface Neighbour {
  readonly index: number;
  readonly similarity: number;
}

/** The `k` vectors most similar to `query`, best first (brute force; fine for a few thousand). */
export function nearest(query: Float32Array, vectors: readonly Float32Array[], k: number): Neighbour[] {
  const scored = vectors.map((v, index) => ({ index, similarity: cosine(query, v) }));
  scored.sort((x, y) => y.similarity - x.similarity);
  return scored.slice(0, k);
}

/**
 * Embeds `texts` in consecutive batches of at most `batchSize` (the backend's per-call limit), one call
 * at a time, keeping the input order.
 */
export async function embedInBatches(
  texts: readonly string[],
  batchSize: number,
  embedBatch: (batch: string[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += batchSize)
    out.push(...(await embedBatch(texts.slice(i, i + batchSize))));
  return out;
}
