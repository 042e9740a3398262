/** @module A deterministic, dependency-free embedder (hashed words and character n-grams) for unit tests. */

import { normalise } from "../vectors/math";
import { fold, words } from "../verifier/text";
import type { Embedder } from "./types";

/** Options of {@link createLexicalEmbedder}. */
export interface LexicalEmbedderOptions {
  /** Vector length. @default 256 */
  dimensions?: number;
  /** Character n-gram length hashed in addition to whole words. @default 3 */
  ngram?: number;
}

/** 32-bit FNV-1a: stable across runtimes, so vectors are identical in Node and workerd. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Adds one feature with the signed hashing trick (the sign bit halves collision bias). */
function addFeature(vector: Float32Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const index = hash % vector.length;
  const sign = hash & 0x80000000 ? -1 : 1;
  vector[index] = (vector[index] ?? 0) + sign * weight;
}

function embedOne(text: string, dimensions: number, ngram: number): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const word of words(text)) {
    addFeature(vector, `w:${word}`, 1);
    const padded = ` ${word} `;
    for (let i = 0; i + ngram <= padded.length; i++) {
      addFeature(vector, `c:${padded.slice(i, i + ngram)}`, 0.5);
    }
  }
  // Empty or punctuation-only text still gets a (constant) unit vector, never NaN.
  if (vector.every((v) => v === 0)) addFeature(vector, `empty:${fold(text)}`, 1);
  return normalise(vector);
}

/**
 * Creates an embedder whose vectors depend only on the text's words and character n-grams.
 * Similar wording gives high cosine, like a sentence encoder on near-misses, which is what the
 * verifier tests need; it knows nothing about meaning, so never use it for real traffic.
 */
export function createLexicalEmbedder(options: LexicalEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? 256;
  const ngram = options.ngram ?? 3;
  return {
    model: `lexical-hash-${dimensions}-n${ngram}`,
    dimensions,
    embed: async (texts) => texts.map((text) => embedOne(text, dimensions, ngram)),
  };
}
