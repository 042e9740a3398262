/**
 * @module The fitting rows (QQP rows 0-7,999 only): IDF counted over their texts, and each pair's
 * similarity, hard-conflict flag and features. Shared by `npm run eval:fit` and bench/eval/compare.ts.
 */

import { cosine } from "../../src/semantic/vectors/math";
import { pairFeatures } from "../../src/semantic/verifier/score/features";
import {
  createIdfLookup,
  encodeIdfTable,
  type IdfLookup,
  idfOf,
} from "../../src/semantic/verifier/score/idf";
import { findConflicts } from "../../src/semantic/verifier/signals/conflicts";
import { STOPWORDS, stem, words } from "../../src/semantic/verifier/text";
import { isFitRow, type QqpPair } from "./data";

/** Stems seen in fewer texts than this are left out of the shipped table (they get the "rare" IDF). */
export const IDF_MIN_DF = 2;

/** One fitting pair with everything the fit needs. */
export interface FitRow {
  readonly pair: QqpPair;
  readonly similarity: number;
  readonly conflict: boolean;
  readonly features: number[];
}

/** The shipped IDF table source and its lookup, from the distinct texts of the fitting rows. */
export function buildIdf(pairs: readonly QqpPair[]): { table: string; documents: number; lookup: IdfLookup } {
  const texts = new Set(pairs.filter((p) => isFitRow(p.row)).flatMap((p) => [p.a, p.b]));
  const df = new Map<string, number>();
  for (const text of texts) {
    for (const s of new Set(words(text).map(stem))) df.set(s, (df.get(s) ?? 0) + 1);
  }
  const idf = new Map<string, number>();
  for (const [s, n] of df) {
    // Stop words stay in: tfidfCosine weighs them too.
    if (n >= IDF_MIN_DF || STOPWORDS.has(s)) idf.set(s, idfOf(n, texts.size));
  }
  const table = encodeIdfTable(idf);
  return { table, documents: texts.size, lookup: createIdfLookup(table, texts.size) };
}

/** Similarity, hard-conflict flag and features of every fitting row (other rows are dropped). */
export function fitRows(
  pairs: readonly QqpPair[],
  vectors: ReadonlyMap<string, Float32Array>,
  idf: IdfLookup,
): FitRow[] {
  return rowsWithSimilarity(
    pairs.filter((p) => isFitRow(p.row)),
    (pair) => {
      const va = vectors.get(pair.a);
      const vb = vectors.get(pair.b);
      if (!va || !vb) throw new Error(`missing embedding for row ${pair.row}`);
      return cosine(va, vb);
    },
    idf,
  );
}

/** Fitting rows from any source of similarities (a local encoder, or a deployed worker's embedder). */
export function rowsWithSimilarity(
  pairs: readonly QqpPair[],
  similarityOf: (pair: QqpPair) => number,
  idf: IdfLookup,
): FitRow[] {
  return pairs.map((pair) => {
    const similarity = similarityOf(pair);
    const conflict = findConflicts(pair.a, pair.b).length > 0;
    return { pair, similarity, conflict, features: pairFeatures(pair.a, pair.b, similarity, idf) };
  });
}
