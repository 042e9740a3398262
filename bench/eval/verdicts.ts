/** @module Scores text pairs once (similarity, first conflict, verifier score) so curves can be swept cheaply. */

import { unmatchedTexts } from "../../src/semantic/features";
import type { TemplateRegistry } from "../../src/semantic/templates";
import type { Embedder } from "../../src/semantic/types";
import { cosine } from "../../src/semantic/vector";
import { verifyMatch } from "../../src/semantic/verifier";
import { embedCached } from "./encoder";

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
  /** Also embed the unmatched content words and pass their cosine as `diffSimilarity`. */
  readonly diff?: boolean;
}

/** Cosines of the unmatched-content-word texts of each pair (1 when a side has nothing unmatched). */
async function diffSimilarities(
  embedder: Embedder,
  pairs: readonly (readonly [string, string])[],
): Promise<(number | undefined)[]> {
  const diffs = pairs.map(([a, b]) => unmatchedTexts(a, b));
  const vectors = await embedCached(embedder, diffs.flat().filter(Boolean), "unmatched words");
  return diffs.map(([da, db]) => {
    const va = vectors.get(da);
    const vb = vectors.get(db);
    return va && vb ? cosine(va, vb) : undefined;
  });
}

/** Scores every pair with the real verifier (threshold and minScore disabled so nothing is gated). */
export async function scorePairs(
  embedder: Embedder,
  pairs: readonly (readonly [string, string])[],
  vectors: ReadonlyMap<string, Float32Array>,
  options: ScoreOptions = {},
): Promise<Verdict[]> {
  const diffs = options.diff ? await diffSimilarities(embedder, pairs) : [];
  return pairs.map(([a, b], i) => {
    const va = vectors.get(a);
    const vb = vectors.get(b);
    if (!va || !vb) throw new Error(`missing embedding for pair ${i}`);
    const similarity = cosine(va, vb);
    const diffSimilarity = diffs[i];
    const result = verifyMatch(a, b, similarity, {
      threshold: -2,
      minScore: 0,
      ...(options.templates ? { templates: options.templates } : {}),
      ...(diffSimilarity === undefined ? {} : { diffSimilarity }),
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
