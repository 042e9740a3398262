/**
 * @module Inference for the verifier's fitted score: a sum of small regression trees (gradient boosting)
 * stored as flat numbers, so it runs anywhere (workerd included) with no dependencies.
 */

/** A fitted tree ensemble; `trees` is what bench/eval/boost.ts writes into weights.ts. */
export interface TreeEnsemble {
  /** Starting log-odds before any tree. */
  readonly base: number;
  /** Depth of every tree (each is complete: `2^depth - 1` splits, `2^depth` leaves). */
  readonly depth: number;
  /**
   * Trees back to back. Per tree: the splits in heap order as `feature, threshold` pairs (go right when
   * `x[feature] > threshold`; feature -1 always goes left), then the leaf values in heap order.
   */
  readonly trees: readonly number[];
}

/** Numbers one tree of `depth` takes in {@link TreeEnsemble.trees}. */
export function treeSize(depth: number): number {
  return 2 * (2 ** depth - 1) + 2 ** depth;
}

/** Log-odds of the ensemble for one feature vector. */
export function ensembleLogit(model: TreeEnsemble, x: readonly number[]): number {
  const splits = 2 ** model.depth - 1;
  const size = treeSize(model.depth);
  const { trees } = model;
  let z = model.base;
  for (let at = 0; at + size <= trees.length; at += size) {
    let node = 0;
    for (let d = 0; d < model.depth; d++) {
      const feature = trees[at + 2 * node] ?? -1;
      const threshold = trees[at + 2 * node + 1] ?? 0;
      node = 2 * node + (feature >= 0 && (x[feature] ?? 0) > threshold ? 2 : 1);
    }
    z += trees[at + 2 * splits + node - splits] ?? 0;
  }
  return z;
}

/** Probability (0-1) of the ensemble for one feature vector. */
export function ensembleProbability(model: TreeEnsemble, x: readonly number[]): number {
  return 1 / (1 + Math.exp(-ensembleLogit(model, x)));
}
