/** @module Shared request fixtures for the upstream tests. */
import type { ChatParams } from "../../../src/upstream/types";

/** A canonical request as the cache would build it; override any field. */
export function chatParams(overrides: Partial<ChatParams> = {}): ChatParams {
  return {
    model: "deepseek-r1",
    messages: [
      { role: "system", content: "You are a trading assistant." },
      { role: "user", content: "O que são Order Blocks?" },
    ],
    temperature: 0.6,
    top_p: 0.95,
    max_tokens: null,
    stop: null,
    tools: null,
    response_format: null,
    seed: null,
    ...overrides,
  };
}
