import { describe, expect, it } from "vitest";
import type { CacheEntry } from "../../src/cache/entry";
import { completionBody, completionJson } from "../../src/format/openai";

const entry = (extra: Partial<CacheEntry> = {}): CacheEntry => ({
  v: 1,
  key: "k".repeat(64),
  namespace: "dev",
  model: "deepseek-reasoner",
  prompt: "q",
  reasoning: 'Thinking about "quotes", \\ backslashes, \u2028 and ünïcödé 🚀',
  content: "Answer\nwith </think> and \u0000 control",
  reasoningFormat: "reasoning_content",
  finishReason: "stop",
  usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
  upstream: "simulator",
  createdAt: 1,
  expiresAt: null,
  ...extra,
});

describe("completionJson", () => {
  const meta = { id: "chatcmpl-abc", model: 'model "quoted" ✓', created: 1_796_208_511 };
  const cases: Array<[string, CacheEntry]> = [
    ["reasoning_content", entry()],
    ["think-tags", entry({ reasoningFormat: "think-tags" })],
    ["think-tags without reasoning", entry({ reasoningFormat: "think-tags", reasoning: "" })],
    ["no reasoning field", entry({ reasoningFormat: "none" })],
    ["usage null", entry({ usage: null, finishReason: "length" })],
  ];

  for (const [name, e] of cases) {
    it(`is byte for byte JSON.stringify(completionBody(...)): ${name}`, () => {
      expect(completionJson(meta, e)).toBe(JSON.stringify(completionBody(meta, e)));
    });
  }

  it("renders the request's fields per call, not the first call's", () => {
    const e = entry();
    completionJson(meta, e);
    const other = { id: "chatcmpl-other", model: "deepseek-r1", created: 42 };
    expect(completionJson(other, e)).toBe(JSON.stringify(completionBody(other, e)));
  });
});
