/** @module Public API of the semantic layer: embedders, the match verifier and prompt templates. */

export {
  chooseEmbedder,
  createEmbedder,
  EMBEDDINGS_BACKENDS,
  type EmbedderChoice,
  type EmbeddingsBackend,
} from "./embedders/factory";
export { createLexicalEmbedder, type LexicalEmbedderOptions } from "./embedders/lexical";
export { createOpenAIEmbedder, type OpenAIEmbedderOptions } from "./embedders/openai";
export {
  createServiceEmbedder,
  type EmbedderService,
  LOCAL_EMBEDDER_DIMENSIONS,
  LOCAL_EMBEDDER_MODEL,
  type ServiceEmbedderOptions,
} from "./embedders/service";
export type { Embedder } from "./embedders/types";
export {
  createWorkersAiEmbedder,
  WORKERS_AI_DEFAULT_EMBEDDING_MODEL,
  WORKERS_AI_EMBEDDING_MODELS,
  type WorkersAiEmbedderOptions,
  type WorkersAiModelInfo,
} from "./embedders/workers-ai";
export {
  createTemplateRegistry,
  type PromptTemplate,
  type TemplateMatch,
  type TemplateRegistry,
} from "./templates";
export { cosine, type Neighbour, nearest, normalise } from "./vectors/math";
export { STRICT_MIN_SCORE } from "./verifier/model/weights";
export { FEATURE_NAMES, pairFeatures } from "./verifier/score/features";
export { describeConflict, findConflicts } from "./verifier/signals/conflicts";
export type { Conflict, ConflictKind, VerifyResult } from "./verifier/types";
export {
  DEFAULT_MIN_SCORE,
  DEFAULT_THRESHOLD,
  type VerifyOptions,
  verifyMatch,
} from "./verifier/verify";
