/** @module Scores text pairs once (similarity, first conflict, verifier score) so curves can be swept cheaply. */

import type { TemplateRegistry } from "../../src/semantic/templates";
import { cosine } from "../../src/semantic/vectors/math";
import { verifyMatch } from "../../src/semantic/verifier/verify";

/** One scored pair: everything a decision at any (threshold, minScore) needs. */
export interface Verdict {
  readonly similarity: number;
  /** First hard conflict, or null. */
  readonly conflict: string | null;
  /** Verifier score when there is no conflict (1 for identical text), else 0. */
  readonly score: number;
  readonly reason: string;
  /** The texts are the same after folding case and punctuation: accepted at any similarity. */
  readonly identical: boolean;
}

/** Options of {@link scorePairs}. */
export interface ScoreOptions {
  readonly templates?: TemplateRegistry;
}

/** Scores every pair with the real verifier (threshold and minScore disabled so nothing is gated). */
export function scorePairs(
  pairs: readonly (readonly [string, string])[],
  vectors: ReadonlyMap<string, Float32Array>,
  options: ScoreOptions = {},
): Verdict[] {
  return pairs.map(([a, b], i) => {
    const va = vectors.get(a);
    const vb = vectors.get(b);
    if (!va || !vb) throw new Error(`missing embedding for pair ${i}`);
    const similarity = cosine(va, vb);
    const result = verifyMatch(a, b, similarity, {
      threshold: -2,
      minScore: 0,
      ...(options.templates ? { templates: options.templates } : {}),
    });
    const conflict = result.conflicts.length > 0 ? result.reason : null;
    const identical = verifyMatch(a, b, -1, { threshold: 0 }).accept;
    return { similarity, conflict, score: result.score, reason: result.reason, identical };
  });
}

/** The verifier's decision at a threshold and minimum score. */
export function accepts(v: Verdict, threshold: number, minScore: number): boolean {
  return v.identical || (v.similarity >= threshold && v.conflict === null && v.score >= minScore);
}
