/** @module The match verifier's types: conflicts and verdicts. */

/** What kind of evidence made the verifier reject a candidate. */
export type ConflictKind =
  | "number"
  | "date"
  | "identifier"
  | "entity"
  | "negation"
  | "direction"
  | "order"
  | "template";

/** A hard disagreement between query and candidate that makes serving the candidate's answer wrong. */
export interface Conflict {
  readonly kind: ConflictKind;
  /** Human-readable evidence, e.g. `1% vs 2%` or `slot "symbol": aapl vs msft`. */
  readonly detail: string;
}

/** The verifier's verdict on one (query, candidate) pair. */
export interface VerifyResult {
  /** Whether the candidate's answer may be served for the query. */
  readonly accept: boolean;
  /** Calibrated probability (0-1) that the pair asks the same thing; 0 when a hard conflict fired. */
  readonly score: number;
  /** Why, in one line: the first conflict, the failed gate, or the evidence for acceptance. */
  readonly reason: string;
  /** Every hard conflict found (empty when accepted). */
  readonly conflicts: readonly Conflict[];
}

/**
 * Where a semantic candidate came from: the vector index's nearest neighbours, the lexical index
 * (shared content words, whatever the cosine), or both.
 */
export type CandidateSource = "vector" | "lexical" | "both";
