/**
 * @module Int8 quantization of embeddings for the vector shards: a quarter of the bytes of float32 in
 * SQLite and in memory, at a cosine error of about 1e-3 for unit vectors of a few hundred dimensions.
 */

/** A vector quantized with one scale: `value[i] ≈ codes[i] * scale`. */
export interface QuantizedVector {
  codes: Int8Array;
  scale: number;
}

/** Symmetric int8 range; -128 is left out so that negation stays exact. */
const LEVELS = 127;

/** Quantizes with a per-vector scale, so the largest component maps to ±127 and none clips. */
export function quantize(vector: Float32Array): QuantizedVector {
  let maxAbs = 0;
  for (const v of vector) maxAbs = Math.max(maxAbs, Math.abs(v));
  const codes = new Int8Array(vector.length);
  if (maxAbs === 0 || !Number.isFinite(maxAbs)) return { codes, scale: 0 };
  const scale = maxAbs / LEVELS;
  for (let i = 0; i < vector.length; i++) {
    codes[i] = Math.max(-LEVELS, Math.min(LEVELS, Math.round((vector[i] ?? 0) / scale)));
  }
  return { codes, scale };
}

/** Reconstructs the float vector (up to quantization error). */
export function dequantize({ codes, scale }: QuantizedVector): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = (codes[i] ?? 0) * scale;
  return out;
}

/**
 * The factor that turns a dot product with the raw codes into a cosine: 1 / |codes|. The scale cancels
 * out of the cosine, so only the codes' own norm matters; 0 for the zero vector (it matches nothing).
 */
export function cosineFactor(codes: Int8Array): number {
  let sum = 0;
  for (const c of codes) sum += c * c;
  return sum === 0 ? 0 : 1 / Math.sqrt(sum);
}

/** Cosine of a unit query with stored codes of the same length (0 for the zero vector). */
export function codesCosine(unitQuery: Float32Array, codes: Int8Array): number {
  let dot = 0;
  for (let i = 0; i < codes.length; i++) dot += (unitQuery[i] ?? 0) * (codes[i] ?? 0);
  return dot * cosineFactor(codes);
}

/** A unit-norm copy of `vector` (the zero vector stays zero), so a dot product with it is a cosine. */
export function unitCopy(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const out = new Float32Array(vector);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) * inv;
  return out;
}

/** The bytes of the codes as SQLite stores a BLOB (an exact-length ArrayBuffer, not a view). */
export function codesToBlob(codes: Int8Array): ArrayBuffer {
  return codes.buffer.slice(codes.byteOffset, codes.byteOffset + codes.byteLength) as ArrayBuffer;
}
