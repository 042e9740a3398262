/** @module The match verifier: decides whether a semantic candidate's answer may be served for a query. */

import { matchBoth, type TemplateRegistry } from "../templates";
import { MODEL } from "./model/weights";
import { ensembleProbability } from "./score/boosted-trees";
import { pairFeatures } from "./score/features";
import { describeConflict, findConflicts } from "./signals/conflicts";
import { fold } from "./text";
import type { CandidateSource, VerifyResult } from "./types";

/** Default minimum cosine similarity for a candidate to be considered at all. */
export const DEFAULT_THRESHOLD = 0.8;

/**
 * Default minimum score: the fitted model says "more likely the same question than not" (on QQP
 * held-out rows about 18% of the adversarial non-duplicates above the 0.8 gate still pass, at ~70%
 * recall). For a false-hit rate under 1% on such near-duplicates use `STRICT_MIN_SCORE` from
 * weights.ts (cut at 0.8% out-of-fold on the fitting rows; it gives up most paraphrase recall).
 */
export const DEFAULT_MIN_SCORE = 0.5;

/** Options of {@link verifyMatch}. */
export interface VerifyOptions {
  /** Minimum cosine similarity (the user-facing semantic threshold). @default DEFAULT_THRESHOLD */
  readonly threshold?: number;
  /** Minimum verifier score (calibrated probability of "same question"). @default DEFAULT_MIN_SCORE */
  readonly minScore?: number;
  /** Registered prompt templates; same template with a different slot value is rejected. */
  readonly templates?: TemplateRegistry;
  /**
   * Where the candidate came from. A lexical-only candidate shares words with the query but may be far
   * from it in the encoder's space (another language); a rules-based verifier may weigh it differently.
   * @default "vector"
   */
  readonly source?: CandidateSource;
}

/**
 * Probability (0-1) that the pair asks the same thing: the boosted trees of weights.ts over
 * {@link pairFeatures} (similarity, overlaps, IDF word alignment, question type, one-sided values).
 * Non-decreasing in `similarity` for fixed texts.
 */
export function scorePair(query: string, candidate: string, similarity: number): number {
  return ensembleProbability(MODEL, pairFeatures(query, candidate, similarity));
}

const fmt = (x: number): string => x.toFixed(3);

function sameText(a: string, b: string): boolean {
  // Keep the characters that change meaning: C vs C++ vs C#, 5% vs -5%, $ amounts.
  const norm = (s: string): string =>
    fold(s)
      .replace(/-(?=\d)/g, " minus ")
      .replace(/[^\p{L}\p{N}%$€£+#]+/gu, " ")
      .trim();
  return norm(a) === norm(b);
}

/**
 * Decides whether the answer cached for `candidate` may be served for `query`, given the cosine
 * `similarity` of their embeddings. Order: identical text (after folding case, accents and punctuation),
 * similarity gate, template slots and the
 * hard conflict checks (numbers, dates, identifiers, entities, negation, direction, word order), then
 * the fitted score against `minScore`.
 */
export function verifyMatch(
  query: string,
  candidate: string,
  similarity: number,
  options: VerifyOptions = {},
): VerifyResult {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  // Case and punctuation change a case-sensitive encoder's vector but not the question.
  if (sameText(query, candidate)) {
    return { accept: true, score: 1, reason: `same text (similarity ${fmt(similarity)})`, conflicts: [] };
  }
  if (similarity < threshold) {
    return reject(0, `similarity ${fmt(similarity)} below threshold ${fmt(threshold)}`);
  }
  const conflicts = findConflicts(query, candidate, options.templates);
  const [first] = conflicts;
  if (first) return { accept: false, score: 0, reason: describeConflict(first), conflicts };
  const template = options.templates ? matchBoth(options.templates, query, candidate) : null;
  if (template) {
    const reason = `template "${template.a.id}" with equal slots (similarity ${fmt(similarity)})`;
    return { accept: true, score: 1, reason, conflicts: [] };
  }
  const score = scorePair(query, candidate, similarity);
  if (score < minScore) {
    return reject(score, `score ${fmt(score)} below ${fmt(minScore)} (similarity ${fmt(similarity)})`);
  }
  const reason = `similarity ${fmt(similarity)}, score ${fmt(score)} >= ${fmt(minScore)}, no conflicts`;
  return { accept: true, score, reason, conflicts: [] };
}

function reject(score: number, reason: string): VerifyResult {
  return { accept: false, score, reason, conflicts: [] };
}
