/**
 * @module The reranker as a second stage: re-scores the candidates the verifier accepted and refuses
 * those under the calibrated cut. It can only refuse: a candidate the rules rejected stays rejected.
 */

import type { VerifyResult } from "../verifier/types";
import type { Reranker } from "./types";

/** A candidate with the verifier's verdict. */
export interface Verdicted {
  readonly prompt: string;
  readonly verdict: VerifyResult;
}

/**
 * Applies `reranker` (with its calibrated `minScore`) to the accepted candidates, in one call. When the
 * reranker fails, `onError` is told and the verifier's verdicts stand: the rules alone are safe.
 */
export async function rerankAccepted<T extends Verdicted>(
  reranker: Reranker,
  minScore: number,
  query: string,
  candidates: readonly T[],
  onError: (error: unknown) => void,
): Promise<T[]> {
  const accepted = candidates.filter((c) => c.verdict.accept);
  if (accepted.length === 0) return [...candidates];
  let scores: number[];
  try {
    scores = await reranker.score(
      query,
      accepted.map((c) => c.prompt),
    );
  } catch (error) {
    onError(error);
    return [...candidates];
  }
  const scoreOf = new Map(accepted.map((c, i) => [c, scores[i] ?? Number.NaN]));
  return candidates.map((c) => {
    const score = scoreOf.get(c);
    if (score === undefined || score >= minScore) return c;
    const reason = `reranker ${reranker.model} score ${score.toFixed(3)} below ${minScore.toFixed(3)} (${c.verdict.reason})`;
    return { ...c, verdict: { accept: false, score: 0, reason, conflicts: [] } };
  });
}
