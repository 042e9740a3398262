/**
 * @module The match verifier: decides whether a semantic candidate's answer may be served for a query.
 * Rules first (src/semantic/verifier/rules/), and a calibrated score only for what the rules leave open;
 * no score can override a rule, and without a calibration for the active embedder there is no score.
 */

import type { TemplateRegistry } from "../templates";
import type { PairScorer, SemanticMode } from "./calibration";
import { type RuleResult, ruleVerdict } from "./rules/rules";
import { fold } from "./text";
import type { CandidateSource, VerifyResult } from "./types";

/** Default minimum cosine for a candidate the calibrated score judges. */
export const DEFAULT_THRESHOLD = 0.8;

/** Default minimum calibrated score for a pair the rules leave open (long statements). */
export const DEFAULT_MIN_SCORE = 0.5;

/**
 * Matching presets. `safe` (default): the rules decide; a calibrated score only judges long statements
 * the rules leave open. `strict`: rules only, never a score. `lenient`: hard conflicts, then the score
 * alone (no term alignment), the behaviour before the rules; it serves near-misses (see BENCHMARKS.md).
 */
export type SemanticPreset = "safe" | "strict" | "lenient";

/** Options of {@link verifyMatch}. */
export interface VerifyOptions {
  /** Minimum cosine for the score to judge a candidate. @default DEFAULT_THRESHOLD */
  readonly threshold?: number;
  /** Minimum calibrated score. @default DEFAULT_MIN_SCORE */
  readonly minScore?: number;
  /** Registered prompt templates; same template with a different slot value is rejected. */
  readonly templates?: TemplateRegistry;
  /** The calibrated score for the active embedder; absent: rules only. */
  readonly scorer?: PairScorer;
  /** @default "safe" */
  readonly preset?: SemanticPreset;
  /** A minimum cosine for every candidate, rules-accepted ones included (the request's own threshold). */
  readonly minSimilarity?: number;
  /**
   * Where the candidate came from. The score judges the encoder's neighbours only: a candidate found by
   * the lexical index alone shares words, not meaning, by the encoder's account. @default "vector"
   */
  readonly source?: CandidateSource;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : "n/a");

function sameText(a: string, b: string): boolean {
  // Keep the characters that change meaning: C vs C++ vs C#, 5% vs -5%, $ amounts.
  const norm = (s: string): string =>
    fold(s)
      .replace(/-(?=\d)/g, " minus ")
      .replace(/[^\p{L}\p{N}%$€£+#]+/gu, " ")
      .trim();
  return norm(a) === norm(b);
}

/** The mode a set of options runs in. */
export function modeOf(options: VerifyOptions): SemanticMode {
  return options.scorer && options.preset !== "strict" ? "calibrated" : "rules-only";
}

/**
 * Decides whether the answer cached for `candidate` may be served for `query`, given the cosine
 * `similarity` of their embeddings (NaN when unknown, e.g. a lexical candidate). Order: identical text,
 * the request's minimum similarity, the rules (hard conflicts, templates, question intent, content-term
 * alignment), then, only for what the rules leave open and only with a calibration, the fitted score.
 */
export function verifyMatch(
  query: string,
  candidate: string,
  similarity: number,
  options: VerifyOptions = {},
): VerifyResult {
  if (sameText(query, candidate)) {
    return accept(1, `same text (similarity ${fmt(similarity)})`);
  }
  if (options.minSimilarity !== undefined && !(similarity >= options.minSimilarity)) {
    return reject(0, `similarity ${fmt(similarity)} below threshold ${fmt(options.minSimilarity)}`);
  }
  const rules = ruleVerdict(query, candidate, options.templates);
  if (rules.verdict === "reject" && !(options.preset === "lenient" && softReject(rules))) {
    return { accept: false, score: 0, reason: rules.reason, conflicts: rules.conflicts };
  }
  if (rules.verdict === "accept") {
    return accept(1, `${rules.reason} (similarity ${fmt(similarity)})`);
  }
  return byScore(query, candidate, similarity, options, rules);
}

/** A rule rejection the lenient preset hands to the score: term alignment, not a hard conflict. */
function softReject(rules: RuleResult): boolean {
  return rules.conflicts.length === 0 && !rules.reason.startsWith("template");
}

function byScore(
  query: string,
  candidate: string,
  similarity: number,
  options: VerifyOptions,
  rules: RuleResult,
): VerifyResult {
  if (modeOf(options) === "rules-only" || !options.scorer) {
    return reject(0, `${rules.reason}; rules-only (no calibrated score)`);
  }
  if (options.source === "lexical") {
    return reject(0, `${rules.reason}; found by words only, and the score judges the encoder's neighbours`);
  }
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  if (!(similarity >= threshold)) {
    return reject(0, `${rules.reason}; similarity ${fmt(similarity)} below threshold ${fmt(threshold)}`);
  }
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  const score = options.scorer(query, candidate, similarity);
  if (score < minScore) {
    return reject(
      score,
      `${rules.reason}; score ${fmt(score)} below ${fmt(minScore)} (similarity ${fmt(similarity)})`,
    );
  }
  return accept(
    score,
    `${rules.reason}; similarity ${fmt(similarity)}, score ${fmt(score)} >= ${fmt(minScore)}`,
  );
}

function accept(score: number, reason: string): VerifyResult {
  return { accept: true, score, reason, conflicts: [] };
}

function reject(score: number, reason: string): VerifyResult {
  return { accept: false, score, reason, conflicts: [] };
}
