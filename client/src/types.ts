/** @module Shapes the worker sends and takes: responses, cache metadata, config and request controls. */

/** `x-r1cache`: how the cache answered. */
export type CacheStatus = "HIT" | "MISS" | "BYPASS" | "STALE";
/** The tier a hit came from: isolate memory, KV, D1, R2. */
export type TierName = "l1" | "l2" | "l3" | "l4";
export type MatchKind = "exact" | "semantic";

/** The cache metadata of a chat response, read from its `x-r1cache-*` headers. */
export interface CacheInfo {
  /** `x-r1cache`; null when the response carried no cache header (e.g. an older worker). */
  status: CacheStatus | null;
  /** `x-r1cache-tier`, on hits. */
  tier: TierName | null;
  /** `x-r1cache-match`, on hits. */
  match: MatchKind | null;
  /** `x-r1cache-similarity` (1 for exact hits), on hits. */
  similarity: number | null;
  /** `x-r1cache-key`: the entry served or stored; `deleteEntry(key)` removes it. */
  key: string | null;
  /** `x-r1cache-reason`: why a semantic hit was accepted (URL-decoded). */
  reason: string | null;
  /** `x-r1cache-coalesced`: this miss shared another request's upstream call. */
  coalesced: boolean;
}

/**
 * Per-request cache controls, sent as `Cache-Control` and `x-r1cache-*` headers. A malformed value is
 * answered with a 400 naming the header.
 */
export interface CacheControls {
  /** false: skip the lookup (always ask R1) but store the fresh answer (`no-cache`). @default true */
  lookup?: boolean;
  /** false: may be served from the cache, but nothing from this request is stored (`no-store`). @default true */
  store?: boolean;
  /** Serve only entries younger than this many seconds (`max-age=N`). */
  maxAgeSeconds?: number;
  /** Lifetime of the stored answer in seconds (`x-r1cache-ttl`). */
  ttlSeconds?: number;
  /** Similarity threshold 0-1 for this request (`x-r1cache-threshold`). */
  threshold?: number;
  /** false: exact lookups only (`x-r1cache-semantic: off`). @default true */
  semantic?: boolean;
  /** The end user's conversation (`x-r1cache-session`, 1-256 characters), for prefetch learning. */
  session?: string;
}

/** Options every call takes. */
export interface CallOptions {
  /** Aborts the call; the promise (or the stream) rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** Options of the chat calls. */
export interface ChatCallOptions extends CallOptions {
  cache?: CacheControls;
}

/** `POST /v1/r1/chat` body fields, camel-cased. */
export interface ChatRequest {
  prompt: string;
  /** false: neither look up nor store (the seed's `use_cache`). @default true */
  useCache?: boolean;
  /**
   * Answer from the documents added with `addContext`: the most relevant chunks go into the prompt and
   * the result lists them in `sources`. @default false
   */
  useContext?: boolean;
  maxTokens?: number;
  model?: string;
}

/** What `/v1/r1/chat` reports about where an answer came from (in the JSON body and the stream's end). */
export interface ChatSummary {
  cached: boolean;
  match: MatchKind | null;
  tier: TierName | null;
  similarity: number | null;
  /** Why a semantic hit was accepted. */
  reason?: string;
  response_time_ms: number;
  key: string;
  /** With `useContext`: the chunks the answer was built on, most relevant first. */
  sources?: ContextSource[];
}

/** A chunk an answer was built on. */
export interface ContextSource {
  context_id: string;
  chunk_id: string;
  text: string;
  /** Reciprocal-rank-fusion score of the vector and lexical rankings. */
  score: number;
  /** Cosine of the question and the chunk, where known. */
  similarity: number | null;
  found_by: "vector" | "lexical" | "both";
}

/** The answer of `chat()`: the body of `POST /v1/r1/chat` plus the header metadata. */
export interface ChatResult extends ChatSummary {
  response: string;
  reasoning: string;
  cache: CacheInfo;
}

/** One piece of a streamed answer: R1's reasoning comes first, then the answer's content. */
export interface ChatDelta {
  type: "reasoning" | "content";
  text: string;
}

/** The end of a native stream: the summary and why generation stopped. */
export interface NativeStreamEnd extends ChatSummary {
  finish_reason: string | null;
}

/** The end of an OpenAI-compatible stream. */
export interface CompletionStreamEnd {
  finish_reason: string | null;
  usage?: Usage;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [field: string]: unknown;
}

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: string | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: unknown[];
}

/** `POST /v1/chat/completions` body (OpenAI's; further fields are passed through). */
export interface CompletionRequest {
  model?: string;
  messages: ChatMessage[];
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  tools?: unknown[] | null;
  response_format?: unknown;
  seed?: number | null;
  stream_options?: { include_usage?: boolean } | null;
  [field: string]: unknown;
}

/** A non-streaming `chat.completion`, plus the header metadata. */
export interface Completion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: "assistant"; content: string; reasoning_content?: string };
    logprobs: null;
    finish_reason: string | null;
  }>;
  usage?: Usage;
  cache: CacheInfo;
}

/** One candidate of `searchSimilar`, accepted or rejected by the verifier, with the reason. */
export interface SearchMatch {
  key: string;
  prompt: string;
  similarity: number | null;
  /** Found by the vector index, by shared words (lexical), or both. */
  source: "vector" | "lexical" | "both";
  verdict: "accept" | "reject";
  /** The calibrated score (0 when the rules decided alone). */
  score: number;
  reason: string;
}

export interface SearchResult {
  prompt: string;
  threshold: number;
  embedder: string;
  calibration: string | null;
  mode: SemanticMode;
  matches: SearchMatch[];
}

export interface SearchOptions extends CallOptions {
  /** Similarity a candidate needs, 0-1. @default the worker's semanticThreshold */
  threshold?: number;
  /** Candidates to return, 1-20. @default 5 */
  k?: number;
  model?: string;
}

/** `POST /v1/r1/context` answer. */
export interface ContextResult {
  context_id: string;
  /** Chunks in the document (repeats counted). */
  chunks: number;
  /** Distinct chunks the tenant holds after the load (each stored once). */
  unique_chunks: number;
  /** Chunks this load stored (and embedded); the rest were already held. */
  new_chunks: number;
  reused_chunks: number;
  bytes: number;
  chars: number;
  tokens: number;
  /** A document of this id existed and was replaced. */
  replaced: boolean;
}

/** How the semantic layer matches: with a calibrated score, on the rules alone, or not at all. */
export type SemanticMode = "calibrated" | "rules-only" | "off";

/** Options of `addContext`. */
export interface ContextOptions extends CallOptions {
  /** The document's id; a document of the same id is replaced. @default a random id */
  contextId?: string;
  /** Chunk size in estimated tokens (32-2048). @default 256 */
  chunkTokens?: number;
  /** Overlap of consecutive chunks (0-512). @default 32 */
  overlapTokens?: number;
}

/** `GET /v1/r1/context` answer. */
export interface ContextList {
  contexts: Array<{
    context_id: string;
    bytes: number;
    chars: number;
    tokens: number;
    chunks: number;
    checksum: string;
    created_at: string;
    updated_at: string;
  }>;
  total_bytes: number;
  unique_chunks: number;
  /** Bytes of the distinct chunks' text, each once. */
  chunk_bytes: number;
  /** The same as stored in R2 (compressed). */
  stored_bytes: number;
}
