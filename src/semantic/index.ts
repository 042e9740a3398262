/** @module Public API of the semantic layer: embedders, the match verifier and prompt templates. */

export { describeConflict, findConflicts } from "./conflicts";
export {
  chooseEmbedder,
  createEmbedder,
  EMBEDDINGS_BACKENDS,
  type EmbedderChoice,
  type EmbeddingsBackend,
} from "./embedder-factory";
export { FEATURE_NAMES, pairFeatures } from "./features";
export { createLexicalEmbedder, type LexicalEmbedderOptions } from "./lexical-embedder";
export { createOpenAIEmbedder, type OpenAIEmbedderOptions } from "./openai-embedder";
export {
  createServiceEmbedder,
  type EmbedderService,
  LOCAL_EMBEDDER_DIMENSIONS,
  LOCAL_EMBEDDER_MODEL,
  type ServiceEmbedderOptions,
} from "./service-embedder";
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
export {
  createWorkersAiEmbedder,
  WORKERS_AI_DEFAULT_EMBEDDING_MODEL,
  WORKERS_AI_EMBEDDING_MODELS,
  type WorkersAiEmbedderOptions,
  type WorkersAiModelInfo,
} from "./workers-ai-embedder";
