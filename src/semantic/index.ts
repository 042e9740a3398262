/** @module Public API of the semantic layer: embedders, the match verifier and prompt templates. */

export { describeConflict, findConflicts } from "./conflicts";
export { FEATURE_NAMES, pairFeatures } from "./features";
export { createLexicalEmbedder, type LexicalEmbedderOptions } from "./lexical-embedder";
export {
  createTemplateRegistry,
  type PromptTemplate,
  type TemplateMatch,
  type TemplateRegistry,
} from "./templates";
export type { Conflict, ConflictKind, Embedder, VerifyResult } from "./types";
export { cosine, type Neighbour, nearest, normalise } from "./vector";
export { DEFAULT_MIN_SCORE, DEFAULT_THRESHOLD, scorePair, type VerifyOptions, verifyMatch } from "./verifier";
export { STRICT_MIN_SCORE } from "./weights";
