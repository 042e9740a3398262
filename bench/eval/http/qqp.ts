/** @module QQP pairs as a store-then-ask set: false-hit rate on non-duplicates, recall on duplicates. */

import { loadQqpRows, type RowRange } from "../data";
import type { PairSet } from "./pairs";

/**
 * The project's held-out QQP rows: qqp-train.jsonl rows 20,000-27,999. The eval may report on them;
 * nothing may be fitted or tuned on them.
 */
export const QQP_HELD_OUT = { file: "qqp-train.jsonl", from: 20_000, to: 27_999 } as const;

/** Default sample of the held-out rows: every 4th (2,000 pairs), so a run stays around ten minutes. */
export const QQP_SAMPLE_EVERY = 4;

/** `"20000-27999"` -> `{from: 20000, to: 27999}`. */
export function parseRows(spec: string): { from: number; to: number } {
  const match = /^(\d+)-(\d+)$/.exec(spec.trim());
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || to < from) throw new Error(`--rows must look like 20000-27999, got "${spec}"`);
  return { from, to };
}

/** The pairs of `range` in `file` as a set: a duplicate should hit, a non-duplicate must not. */
export function qqpPairSet(file: string, range: RowRange): PairSet {
  const rows = loadQqpRows(file, range);
  const step = range.every === 1 ? "" : `, every ${range.every}th`;
  return {
    name: "qqp",
    source: `${file} rows ${range.from}-${range.to}${step} (${rows.length} pairs)`,
    templates: [],
    pairs: rows.map((p) => ({
      id: `row ${p.row}`,
      a: p.a,
      b: p.b,
      shouldHit: p.duplicate,
      tags: { row: p.row },
    })),
  };
}
