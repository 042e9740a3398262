/**
 * @module Gradient-boosted regression trees (logistic loss, Newton leaves, histogram splits) for fitting
 * the verifier's score; features marked increasing get monotone splits so the score never falls as
 * similarity rises. Output is the flat {@link TreeEnsemble} that src/semantic/boosted-trees.ts reads.
 */

import { ensembleLogit, type TreeEnsemble, treeSize } from "../../src/semantic/verifier/score/boosted-trees";

/** Options of {@link fitBoosted}. */
export interface BoostOptions {
  readonly rounds: number;
  readonly depth: number;
  readonly learningRate: number;
  /** Minimum rows in a leaf. */
  readonly minLeaf: number;
  /** L2 penalty on leaf values. */
  readonly lambda: number;
  /** Candidate thresholds per feature (quantiles of the training values). */
  readonly bins: number;
  /** Feature indexes the score must be non-decreasing in. */
  readonly increasing: ReadonlySet<number>;
}

interface Split {
  readonly feature: number;
  readonly bin: number;
  readonly gain: number;
  readonly left: number;
  readonly right: number;
}

/** Quantile thresholds per feature (midpoints between distinct sorted values). */
function thresholds(rows: readonly number[][], bins: number): number[][] {
  const d = rows[0]?.length ?? 0;
  return Array.from({ length: d }, (_, f) => {
    const values = [...new Set(rows.map((r) => r[f] ?? 0))].sort((a, b) => a - b);
    const out: number[] = [];
    for (let k = 1; k < bins; k++) {
      const i = Math.floor((k * values.length) / bins);
      const lo = values[i - 1];
      const hi = values[i];
      if (lo !== undefined && hi !== undefined) out.push((lo + hi) / 2);
    }
    return [...new Set(out)];
  });
}

/** Bin of every value: the number of thresholds strictly below it, so `x > t[k]` iff `bin > k`. */
function binRows(rows: readonly number[][], cuts: readonly number[][]): Uint8Array[] {
  return cuts.map((t, f) => Uint8Array.from(rows, (r) => t.filter((c) => (r[f] ?? 0) > c).length));
}

const leafValue = (g: number, h: number, lambda: number): number => -g / (h + lambda);
const score = (g: number, h: number, lambda: number): number => (g * g) / (h + lambda);
const clip = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

interface Context {
  readonly binned: Uint8Array[];
  readonly cuts: number[][];
  readonly g: Float64Array;
  readonly h: Float64Array;
  readonly opts: BoostOptions;
}

/** Sums of gradient and hessian over `idx`. */
function totals(idx: readonly number[], ctx: Context): [number, number] {
  let G = 0;
  let H = 0;
  for (const i of idx) {
    G += ctx.g[i] ?? 0;
    H += ctx.h[i] ?? 0;
  }
  return [G, H];
}

/** Per-bin gradient, hessian and row count of one feature over `idx`. */
function histogram(idx: readonly number[], bins: Uint8Array, ctx: Context) {
  const nb = ctx.opts.bins + 1;
  const hg = new Float64Array(nb);
  const hh = new Float64Array(nb);
  const hc = new Uint32Array(nb);
  for (const i of idx) {
    const b = bins[i] ?? 0;
    hg[b] = (hg[b] ?? 0) + (ctx.g[i] ?? 0);
    hh[b] = (hh[b] ?? 0) + (ctx.h[i] ?? 0);
    hc[b] = (hc[b] ?? 0) + 1;
  }
  return { hg, hh, hc };
}

/** Best split of `idx` over all features, honouring monotone bounds; null when none helps. */
function bestSplit(idx: readonly number[], ctx: Context, bounds: readonly [number, number]): Split | null {
  const { opts } = ctx;
  const [G, H] = totals(idx, ctx);
  let best: Split | null = null;
  for (const [f, bins] of ctx.binned.entries()) {
    const { hg, hh, hc } = histogram(idx, bins, ctx);
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let k = 0; k < opts.bins; k++) {
      gl += hg[k] ?? 0;
      hl += hh[k] ?? 0;
      cl += hc[k] ?? 0;
      if (cl < opts.minLeaf || idx.length - cl < opts.minLeaf) continue;
      const left = clip(leafValue(gl, hl, opts.lambda), bounds[0], bounds[1]);
      const right = clip(leafValue(G - gl, H - hl, opts.lambda), bounds[0], bounds[1]);
      if (opts.increasing.has(f) && left > right) continue;
      const gain = score(gl, hl, opts.lambda) + score(G - gl, H - hl, opts.lambda) - score(G, H, opts.lambda);
      if (gain > 1e-9 && (!best || gain > best.gain)) best = { feature: f, bin: k, gain, left, right };
    }
  }
  return best;
}

/** Grows one complete tree of `depth` (heap layout) on the current gradients. */
function growTree(ctx: Context, rows: number): number[] {
  const { opts } = ctx;
  const splits = 2 ** opts.depth - 1;
  const out = new Array<number>(treeSize(opts.depth)).fill(0);
  for (let s = 0; s < splits; s++) out[2 * s] = -1;
  const grow = (node: number, idx: number[], bounds: [number, number]): void => {
    if (node >= splits) {
      const [G, H] = totals(idx, ctx);
      const v = idx.length === 0 ? 0 : clip(leafValue(G, H, opts.lambda), bounds[0], bounds[1]);
      out[2 * splits + node - splits] = v * opts.learningRate;
      return;
    }
    const split = idx.length >= 2 * opts.minLeaf ? bestSplit(idx, ctx, bounds) : null;
    if (!split) {
      // No useful split: feature -1 sends every row left; the right subtree stays unreachable.
      grow(2 * node + 1, idx, bounds);
      grow(2 * node + 2, [], bounds);
      return;
    }
    out[2 * node] = split.feature;
    out[2 * node + 1] = ctx.cuts[split.feature]?.[split.bin] ?? 0;
    const bins = ctx.binned[split.feature] as Uint8Array;
    // Monotone features split the value range at the midpoint so deeper leaves cannot cross over.
    const mid = (split.left + split.right) / 2;
    const mono = opts.increasing.has(split.feature);
    grow(
      2 * node + 1,
      idx.filter((i) => (bins[i] ?? 0) <= split.bin),
      mono ? [bounds[0], mid] : bounds,
    );
    grow(
      2 * node + 2,
      idx.filter((i) => (bins[i] ?? 0) > split.bin),
      mono ? [mid, bounds[1]] : bounds,
    );
  };
  grow(
    0,
    Array.from({ length: rows }, (_, i) => i),
    [-Infinity, Infinity],
  );
  return out;
}

/** Fits a boosted tree ensemble on raw feature rows and boolean labels. */
export function fitBoosted(
  rows: readonly number[][],
  labels: readonly boolean[],
  opts: BoostOptions,
): TreeEnsemble {
  const cuts = thresholds(rows, opts.bins);
  const binned = binRows(rows, cuts);
  const pos = labels.filter(Boolean).length;
  const base = Math.log(Math.max(1, pos) / Math.max(1, labels.length - pos));
  const trees: number[] = [];
  const g = new Float64Array(rows.length);
  const h = new Float64Array(rows.length);
  const z = new Float64Array(rows.length).fill(base);
  for (let round = 0; round < opts.rounds; round++) {
    for (let i = 0; i < rows.length; i++) {
      const p = 1 / (1 + Math.exp(-(z[i] ?? 0)));
      g[i] = p - (labels[i] ? 1 : 0);
      h[i] = Math.max(1e-6, p * (1 - p));
    }
    const tree = growTree({ binned, cuts, g, h, opts }, rows.length);
    trees.push(...tree);
    const one: TreeEnsemble = { base: 0, depth: opts.depth, trees: tree };
    for (let i = 0; i < rows.length; i++) z[i] = (z[i] ?? 0) + ensembleLogit(one, rows[i] ?? []);
  }
  return { base, depth: opts.depth, trees };
}
