/** @module The cache entry: one R1 answer, reasoning and response apart, as every tier stores it. */
import type { ReasoningFormat, Usage } from "../upstream/types";

/** One stored answer. Serialised to JSON, then compressed and checksummed by ./codec.ts. */
export interface CacheEntry {
  /** Format version, bumped when this shape changes. */
  v: 1;
  key: string;
  namespace: string;
  /** Model the client asked for. */
  model: string;
  /** The last user message, for the explorer and semantic matching. */
  prompt: string;
  /** R1's reasoning (chain of thought); empty when the upstream gave none. */
  reasoning: string;
  /** The answer itself. */
  content: string;
  /** How the upstream shaped the reasoning; a hit replays it the same way. */
  reasoningFormat: ReasoningFormat;
  finishReason: string;
  usage: Usage | null;
  /** Provider that produced the answer. */
  upstream: string;
  /** Epoch ms when the answer was produced. */
  createdAt: number;
  /** Epoch ms after which it must not be served. */
  expiresAt: number | null;
}
