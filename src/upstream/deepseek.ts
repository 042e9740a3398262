/** @module Upstream for the DeepSeek API (R1 as `deepseek-reasoner`), a configuration of the OpenAI-compatible client. */
import { createOpenAICompatibleUpstream } from "./openai-compatible";
import type { RetryOptions } from "./retry";
import type { Upstream } from "./types";

/** @default base URL of the DeepSeek API; `/chat/completions` is appended. */
export const DEEPSEEK_BASE_URL = "https://api.deepseek.com";
/** DeepSeek's name for R1. */
export const DEEPSEEK_MODEL = "deepseek-reasoner";

/** Options of {@link createDeepSeekUpstream}. */
export interface DeepSeekOptions extends RetryOptions {
  /** `DEEPSEEK_API_KEY` (https://platform.deepseek.com/api_keys). */
  apiKey: string;
  /** @default "https://api.deepseek.com" */
  baseUrl?: string;
  /** @default "deepseek-reasoner" */
  model?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Creates the DeepSeek upstream. It streams `reasoning_content` apart from `content`, so entries are
 * stored with reasoning format `reasoning_content`. The reasoner ignores temperature and top_p
 * (https://api-docs.deepseek.com/guides/reasoning_model); they are still sent as the client gave them,
 * because they are part of the cache key and a future model may honour them.
 */
export function createDeepSeekUpstream(options: DeepSeekOptions): Upstream {
  return createOpenAICompatibleUpstream({
    ...options,
    baseUrl: options.baseUrl || DEEPSEEK_BASE_URL,
    model: options.model || DEEPSEEK_MODEL,
    name: "deepseek",
    reasoningFormat: "reasoning_content",
  });
}
