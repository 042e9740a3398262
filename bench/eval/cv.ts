/**
 * @module Cross-validation on the fitting rows only: out-of-fold scores, and the false-hit rate /
 * recall curve they give. Used to choose the model and its strict cut without touching held-out rows.
 */

import type { FitRow } from "./fit-rows";

/** Scores rows (in order) with a model fitted on other rows. */
export type Trainer = (train: readonly FitRow[]) => (row: FitRow) => number;

/** Rows that reach the score: similarity at or above the gate and no hard conflict. */
export const gated = (rows: readonly FitRow[], gate: number): FitRow[] =>
  rows.filter((r) => r.similarity >= gate && !r.conflict);

/**
 * Out-of-fold score of every row (folds by row number mod `folds`); rows below the gate or with a
 * conflict score -1 (never accepted).
 */
export function outOfFold(
  rows: readonly FitRow[],
  gate: number,
  train: Trainer,
  trainGate = gate,
  folds = 5,
): number[] {
  const scores = new Array<number>(rows.length).fill(-1);
  for (let k = 0; k < folds; k++) {
    const model = train(gated(rows, trainGate).filter((r) => r.pair.row % folds !== k));
    rows.forEach((r, i) => {
      if (r.pair.row % folds === k && r.similarity >= gate && !r.conflict) scores[i] = model(r);
    });
  }
  return scores;
}

/** Score cut accepting at most `maxFhr` of the non-duplicates (strictly above the cut). */
export function cutAt(rows: readonly FitRow[], scores: readonly number[], maxFhr: number): number {
  const neg = scores.filter((_, i) => !rows[i]?.pair.duplicate).sort((a, b) => b - a);
  const allowed = Math.floor(maxFhr * neg.length);
  return Math.min(1, (neg[allowed] ?? 0) + 1e-6);
}

/** False-hit rate and recall of accepting `score >= cut`. */
export function ratesAt(
  rows: readonly FitRow[],
  scores: readonly number[],
  cut: number,
): { fhr: number; recall: number } {
  let neg = 0;
  let fp = 0;
  let pos = 0;
  let tp = 0;
  rows.forEach((r, i) => {
    const hit = (scores[i] ?? -1) >= cut;
    if (r.pair.duplicate) {
      pos++;
      if (hit) tp++;
    } else {
      neg++;
      if (hit) fp++;
    }
  });
  return { fhr: fp / Math.max(1, neg), recall: tp / Math.max(1, pos) };
}

/** Recall at several false-hit-rate budgets, cut chosen on the same scores. */
export function curve(
  rows: readonly FitRow[],
  scores: readonly number[],
  budgets: readonly number[],
): string {
  return budgets
    .map((b) => {
      const r = ratesAt(rows, scores, cutAt(rows, scores, b));
      return `${(b * 100).toFixed(1)}%->${(r.recall * 100).toFixed(1)}%`;
    })
    .join("  ");
}
