/** @module Lexical features of a (query, candidate) pair that the verifier's score combines with similarity. */

import { oneSidedDates } from "./dates";
import { oneSidedEntities } from "./entities";
import { oneSidedIdentifiers } from "./identifiers";
import { oneSidedQuantities } from "./numbers";
import { contentWords, difference, fold, words } from "./text";

/** Feature names in vector order; the fitted weights in `weights.ts` follow this order. */
export const FEATURE_NAMES = [
  "similarity",
  "similarityAbove90",
  "wordJaccard",
  "contentJaccard",
  "unmatchedMin",
  "unmatchedMax",
  "trigramJaccard",
  "lengthRatio",
  "questionWordMismatch",
  "oneSidedNumbers",
  "oneSidedDates",
  "oneSidedIdentifiers",
  "oneSidedEntities",
  "similarityTimesContent",
] as const;

function jaccard<T>(a: readonly T[], b: readonly T[]): number {
  const setA = new Set(a);
  const setB = new Set(b);
  if (setA.size === 0 && setB.size === 0) return 1;
  let inter = 0;
  for (const x of setA) if (setB.has(x)) inter++;
  return inter / (setA.size + setB.size - inter);
}

function trigrams(text: string): string[] {
  const s = ` ${fold(text)
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()} `;
  const out: string[] = [];
  for (let i = 0; i + 3 <= s.length; i++) out.push(s.slice(i, i + 3));
  return out;
}

const QUESTION_WORDS = new Set([
  "what",
  "how",
  "why",
  "which",
  "who",
  "when",
  "where",
  "whom",
  "whose",
  "como",
  "quando",
  "onde",
  "quem",
  "qual",
  "quais",
  "porque",
]);

/** 1 when both texts lead with a question word and the words differ ("how" vs "why"). */
function questionWordMismatch(a: readonly string[], b: readonly string[]): number {
  const qa = a.find((w) => QUESTION_WORDS.has(w));
  const qb = b.find((w) => QUESTION_WORDS.has(w));
  return qa && qb && qa !== qb ? 1 : 0;
}

/** Computes the feature vector (order: {@link FEATURE_NAMES}). */
export function pairFeatures(query: string, candidate: string, similarity: number): number[] {
  const wa = words(query);
  const wb = words(candidate);
  const ca = contentWords(query);
  const cb = contentWords(candidate);
  const unmatchedA = difference(new Set(ca), new Set(cb)).length;
  const unmatchedB = difference(new Set(cb), new Set(ca)).length;
  const contentJaccard = jaccard(ca, cb);
  return [
    similarity,
    Math.max(0, similarity - 0.9),
    jaccard(wa, wb),
    contentJaccard,
    Math.log1p(Math.min(unmatchedA, unmatchedB)),
    Math.log1p(Math.max(unmatchedA, unmatchedB)),
    jaccard(trigrams(query), trigrams(candidate)),
    Math.min(wa.length, wb.length) / Math.max(1, wa.length, wb.length),
    questionWordMismatch(wa, wb),
    Math.log1p(oneSidedQuantities(query, candidate)),
    Math.log1p(oneSidedDates(query, candidate)),
    Math.log1p(oneSidedIdentifiers(query, candidate)),
    Math.log1p(oneSidedEntities(query, candidate)),
    similarity * contentJaccard,
  ];
}
