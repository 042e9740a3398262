/**
 * @module Calibrations: a fitted score is only meaningful for the embedder whose cosines it was fitted
 * on. A calibration names that embedder model; the verifier uses a score only when the active
 * embedder's model is the calibration's, and otherwise decides on the rules alone.
 */

import { ensembleProbability, type TreeEnsemble } from "./score/boosted-trees";
import { FEATURE_NAMES, pairFeatures } from "./score/features";
import { TEXT_NORMALISATION } from "./text";

/** Where a calibration's data came from: enough to refit it and to tell when it went stale. */
export interface CalibrationSource {
  /** Data file and rows, e.g. `qqp-dev.jsonl rows 0-7,999`. */
  readonly data: string;
  /** SHA-256 (hex) of the fitting rows' texts and labels, in the order fitted. */
  readonly sha256: string;
  /** Pairs the model was fitted on. */
  readonly pairs: number;
}

/** A score fitted for one embedder model. */
export interface Calibration {
  /** Embedder model whose cosines the score was fitted on (`Embedder.model`). */
  readonly embedder: string;
  /** Feature names, in the order the model reads them; must equal {@link FEATURE_NAMES}. */
  readonly features: readonly string[];
  /** Text normalisation version the features were computed with; must equal {@link TEXT_NORMALISATION}. */
  readonly normalisation: number;
  readonly model: TreeEnsemble;
  /** The score giving about 1% false hits on the fitting rows' non-duplicates (out-of-fold). */
  readonly strictMinScore: number;
  readonly source: CalibrationSource;
  /**
   * The optional second stage: a cross-encoder's cut, below which a candidate the verifier accepted is
   * refused (it can only refuse, never accept). Fitted by `npm run calibrate -- --reranker`.
   */
  readonly reranker?: { readonly model: string; readonly minScore: number };
}

/** How the verifier decides: with a score fitted for the active embedder, or on the rules alone. */
export type SemanticMode = "calibrated" | "rules-only";

/** Scores a pair with a calibration's model. */
export type PairScorer = (query: string, candidate: string, similarity: number) => number;

/** Why a calibration cannot be used with this code, or null when it can. */
export function calibrationMismatch(c: Calibration): string | null {
  if (c.normalisation !== TEXT_NORMALISATION) {
    return `text normalisation v${c.normalisation}, code is v${TEXT_NORMALISATION}`;
  }
  if (c.features.length !== FEATURE_NAMES.length || c.features.some((f, i) => f !== FEATURE_NAMES[i])) {
    return "feature names differ from the code's";
  }
  return null;
}

/**
 * The scorer of the calibration fitted for `embedderModel`, or undefined when there is none (or it
 * does not fit this code): the verifier then runs on rules only. Never returns a score for another model.
 */
export function scorerFor(
  embedderModel: string,
  calibrations: readonly Calibration[],
): { calibration: Calibration; score: PairScorer } | undefined {
  const calibration = calibrations.find((c) => c.embedder === embedderModel && !calibrationMismatch(c));
  if (!calibration) return undefined;
  const score: PairScorer = (q, c, s) => ensembleProbability(calibration.model, pairFeatures(q, c, s));
  return { calibration, score };
}
