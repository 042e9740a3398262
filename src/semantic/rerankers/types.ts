/** @module The reranker contract: a cross-encoder that scores a query against candidate prompts. */

/** Scores how well each candidate answers the same question as the query (higher is closer). */
export interface Reranker {
  /** Model identifier; a calibrated cut applies to this model only. */
  readonly model: string;
  /** One score per candidate, in the candidates' order. */
  score(query: string, candidates: readonly string[]): Promise<number[]>;
}
