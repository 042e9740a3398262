/** @module Small L2-regularised logistic regression (Newton / IRLS) for fitting the verifier's weights. */

/** A fitted model on standardised features. */
export interface LogisticModel {
  readonly mean: number[];
  readonly std: number[];
  readonly weights: number[];
  readonly bias: number;
}

function standardiser(rows: readonly number[][]): { mean: number[]; std: number[] } {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const r of rows) {
    for (const [j, x] of r.entries()) mean[j] = (mean[j] ?? 0) + x / rows.length;
  }
  for (const r of rows) {
    for (const [j, x] of r.entries()) std[j] = (std[j] ?? 0) + (x - (mean[j] ?? 0)) ** 2 / rows.length;
  }
  return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and dense). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]?.[c] ?? 0) > Math.abs(m[p]?.[c] ?? 0)) p = r;
    const tmp = m[c] ?? [];
    m[c] = m[p] ?? [];
    m[p] = tmp;
    const pivot = m[c]?.[c] ?? 1;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = (m[r]?.[c] ?? 0) / pivot;
      for (let k = c; k <= n; k++) (m[r] as number[])[k] = (m[r]?.[k] ?? 0) - f * (m[c]?.[k] ?? 0);
    }
  }
  return m.map((row, i) => (row[n] ?? 0) / (row[i] ?? 1));
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * Fits P(y=1|x) = sigmoid(bias + w . standardise(x)) by Newton's method with an L2 penalty `lambda`
 * on the weights (not the bias). `sampleWeight` lets callers up-weight the negative class.
 */
export function fitLogistic(
  rows: readonly number[][],
  labels: readonly boolean[],
  options: { lambda?: number; iterations?: number; negativeWeight?: number } = {},
): LogisticModel {
  const { mean, std } = standardiser(rows);
  const xs = rows.map((r) => [1, ...r.map((x, j) => (x - (mean[j] ?? 0)) / (std[j] ?? 1))]);
  const d = xs[0]?.length ?? 1;
  const lambda = options.lambda ?? 1e-2;
  let beta = new Array<number>(d).fill(0);
  for (let it = 0; it < (options.iterations ?? 25); it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    xs.forEach((x, i) => {
      const w = labels[i] ? 1 : (options.negativeWeight ?? 1);
      const p = sigmoid(x.reduce((s, v, j) => s + v * (beta[j] ?? 0), 0));
      const err = (labels[i] ? 1 : 0) - p;
      for (let j = 0; j < d; j++) {
        grad[j] = (grad[j] ?? 0) + w * err * (x[j] ?? 0);
        const row = hess[j] as number[];
        for (let k = 0; k < d; k++) row[k] = (row[k] ?? 0) + w * p * (1 - p) * (x[j] ?? 0) * (x[k] ?? 0);
      }
    });
    for (let j = 1; j < d; j++) {
      grad[j] = (grad[j] ?? 0) - lambda * xs.length * (beta[j] ?? 0);
      (hess[j] as number[])[j] = (hess[j]?.[j] ?? 0) + lambda * xs.length;
    }
    const step = solve(hess, grad);
    beta = beta.map((b, j) => b + (step[j] ?? 0));
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { mean, std, weights: beta.slice(1), bias: beta[0] ?? 0 };
}

/** Applies a fitted model to one raw feature vector. */
export function predict(model: LogisticModel, x: readonly number[]): number {
  let z = model.bias;
  x.forEach((v, j) => {
    z += (model.weights[j] ?? 0) * ((v - (model.mean[j] ?? 0)) / (model.std[j] ?? 1));
  });
  return sigmoid(z);
}
