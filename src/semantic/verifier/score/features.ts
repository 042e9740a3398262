/** @module Features of a (query, candidate) pair that the verifier's fitted score combines with similarity. */

import { questionTypeMismatch } from "../question-type";
import { oneSidedDates } from "../signals/dates";
import { oneSidedEntities } from "../signals/entities";
import { oneSidedIdentifiers } from "../signals/identifiers";
import { oneSidedQuantities } from "../signals/numbers";
import { contentWords, fold, words } from "../text";
import { defaultIdf, type IdfLookup } from "./idf";
import { bigramJaccard, charGramCosine, tfidfCosine } from "./lexical-overlap";
import { alignSide, contentTerms, orderDiscordance } from "./word-alignment";

/** Feature names in vector order; the fitted model in `weights.ts` follows this order. */
export const FEATURE_NAMES = [
  "similarity",
  "similarityAbove90",
  "similarityTimesContent",
  "wordJaccard",
  "contentJaccard",
  "trigramJaccard",
  "lengthRatio",
  "minWords",
  "maxWords",
  "questionWordMismatch",
  "questionTypeMismatch",
  "oneSidedNumbers",
  "oneSidedDates",
  "oneSidedIdentifiers",
  "oneSidedEntities",
  "tfidfCosine",
  "char3Cosine",
  "char4Cosine",
  "bigramJaccard",
  "unmatchedMin",
  "unmatchedMax",
  "unalignedIdfMin",
  "unalignedIdfMax",
  "idfCoverageMin",
  "idfCoverageMax",
  "orderDiscordance",
  "allWordsUnalignedIdfMin",
  "allWordsUnalignedIdfMax",
] as const;

/** Features that may only raise the score (the similarity gate must stay monotone). */
export const INCREASING_FEATURES: readonly string[] = [
  "similarity",
  "similarityAbove90",
  "similarityTimesContent",
];

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

const QUESTION_WORDS = new Set(
  "what how why which who when where whom whose como quando onde quem qual quais porque".split(" "),
);

/** 1 when both texts contain a question word and the first ones differ ("how" vs "why"). */
function questionWordMismatch(a: readonly string[], b: readonly string[]): number {
  const qa = a.find((w) => QUESTION_WORDS.has(w));
  const qb = b.find((w) => QUESTION_WORDS.has(w));
  return qa && qb && qa !== qb ? 1 : 0;
}

/** Word-alignment features: unaligned content words, their IDF mass and the rarest one, per side. */
function alignmentFeatures(query: string, candidate: string, idf: IdfLookup): number[] {
  const ta = contentTerms(query);
  const tb = contentTerms(candidate);
  const a = alignSide(ta, tb, idf);
  const b = alignSide(tb, ta, idf);
  const coverage = (s: typeof a): number => (s.total === 0 ? 1 : 1 - s.unaligned / s.total);
  return [
    Math.log1p(Math.min(a.unalignedCount, b.unalignedCount)),
    Math.log1p(Math.max(a.unalignedCount, b.unalignedCount)),
    Math.log1p(Math.min(a.unaligned, b.unaligned)),
    Math.log1p(Math.max(a.unaligned, b.unaligned)),
    Math.min(coverage(a), coverage(b)),
    Math.max(coverage(a), coverage(b)),
    orderDiscordance(ta, tb),
    ...allWordsFeatures(query, candidate, idf),
  ];
}

/** Unaligned IDF mass counting stop words too: "before and after" vs "before" differ only in those. */
function allWordsFeatures(query: string, candidate: string, idf: IdfLookup): number[] {
  const ta = contentTerms(query, true);
  const tb = contentTerms(candidate, true);
  const a = alignSide(ta, tb, idf).unaligned;
  const b = alignSide(tb, ta, idf).unaligned;
  return [Math.log1p(Math.min(a, b)), Math.log1p(Math.max(a, b))];
}

/** Computes the feature vector (order: {@link FEATURE_NAMES}); `idf` defaults to the shipped table. */
export function pairFeatures(
  query: string,
  candidate: string,
  similarity: number,
  idf: IdfLookup = defaultIdf(),
): number[] {
  const wa = words(query);
  const wb = words(candidate);
  const contentJaccard = jaccard(contentWords(query), contentWords(candidate));
  return [
    similarity,
    Math.max(0, similarity - 0.9),
    similarity * contentJaccard,
    jaccard(wa, wb),
    contentJaccard,
    jaccard(trigrams(query), trigrams(candidate)),
    Math.min(wa.length, wb.length) / Math.max(1, wa.length, wb.length),
    Math.log1p(Math.min(wa.length, wb.length)),
    Math.log1p(Math.max(wa.length, wb.length)),
    questionWordMismatch(wa, wb),
    questionTypeMismatch(query, candidate),
    Math.log1p(oneSidedQuantities(query, candidate)),
    Math.log1p(oneSidedDates(query, candidate)),
    Math.log1p(oneSidedIdentifiers(query, candidate)),
    Math.log1p(oneSidedEntities(query, candidate)),
    tfidfCosine(query, candidate, idf),
    charGramCosine(query, candidate, 3),
    charGramCosine(query, candidate, 4),
    bigramJaccard(query, candidate),
    ...alignmentFeatures(query, candidate, idf),
  ];
}
