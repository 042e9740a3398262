/** @module The `Upstream` interface: where cache misses go (DeepSeek, Workers AI, OpenAI-compatible, simulator). */

/** One chat message as the OpenAI API takes it. */
export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content: string | null;
  name?: string;
  tool_calls?: unknown[];
  tool_call_id?: string;
}

/**
 * A canonical chat request: every parameter that changes the answer, with the upstream's defaults
 * filled in, so that an omitted parameter and its default produce the same cache key.
 */
export interface ChatParams {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  top_p: number;
  max_tokens: number | null;
  stop: string[] | null;
  tools: unknown[] | null;
  response_format: unknown | null;
  seed: number | null;
}

/**
 * How the upstream returned R1's reasoning, so a hit replays it the same way:
 * `reasoning_content` (DeepSeek API), `think-tags` (`<think>…</think>` inline in the content, distilled
 * models on Workers AI) or `none`.
 */
export type ReasoningFormat = "reasoning_content" | "think-tags" | "none";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * What an upstream stream yields: text deltas, reasoning and answer apart, then exactly one `done`.
 * A stream that ends without `done` is truncated and must never be cached.
 */
export type UpstreamEvent =
  | { type: "delta"; reasoning?: string; content?: string }
  | { type: "done"; finishReason: string; usage: Usage | null };

export interface UpstreamCallOptions {
  /** Aborts the upstream call (client gone, or our own timeout). */
  signal?: AbortSignal;
}

/** A provider of R1 completions. One file per backend in src/upstream/. */
export interface Upstream {
  /** Provider id, e.g. `deepseek`, shown in stats and the `x-r1cache-upstream` header. */
  readonly name: string;
  /** How this provider shapes reasoning; stored with each entry. */
  readonly reasoningFormat: ReasoningFormat;
  /**
   * Streams one completion. Fails with a `CacheError` (`upstream_error` carrying `upstreamStatus`,
   * `upstream_timeout`, or `upstream_truncated` when the stream stops before its end). Retries on
   * 429/5xx/network errors happen inside, before the first event only.
   */
  stream(params: ChatParams, options?: UpstreamCallOptions): AsyncIterable<UpstreamEvent>;
}
