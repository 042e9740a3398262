import { describe, expect, it } from "vitest";
import { canonicalParams, exactKey, lastUserPrompt, type RawChatParams } from "../../src/cache/key";

const ask = (extra: Partial<RawChatParams> = {}): RawChatParams => ({
  model: "deepseek-reasoner",
  messages: [{ role: "user", content: "O que são Order Blocks?" }],
  ...extra,
});
const key = (raw: RawChatParams, namespace = "acme") => exactKey(namespace, canonicalParams(raw));

describe("exact key", () => {
  it("keys an omitted parameter as the upstream default, not as 0", async () => {
    expect(await key(ask())).toBe(await key(ask({ temperature: 1, top_p: 1 })));
    expect(await key(ask())).not.toBe(await key(ask({ temperature: 0 })));
  });

  it("changes with everything that changes the answer", async () => {
    const base = await key(ask());
    const variants: Partial<RawChatParams>[] = [
      { model: "deepseek-r1" },
      { temperature: 0.2 },
      { top_p: 0.5 },
      { max_tokens: 100 },
      { stop: ["\n"] },
      { seed: 7 },
      { tools: [{ type: "function", function: { name: "f" } }] },
      { response_format: { type: "json_object" } },
      {
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "O que são Order Blocks?" },
        ],
      },
      { messages: [{ role: "user", content: "O que são Order Blocks?!" }] },
    ];
    const keys = await Promise.all(variants.map((v) => key(ask(v))));
    expect(new Set([base, ...keys]).size).toBe(variants.length + 1);
  });

  it("normalises equivalent spellings", async () => {
    expect(await key(ask({ stop: "x" }))).toBe(await key(ask({ stop: ["x"] })));
    expect(await key(ask({ tools: [] }))).toBe(await key(ask()));
    expect(await key(ask({ response_format: { type: "text" } }))).toBe(await key(ask()));
    expect(await key(ask({ model: undefined }))).toBe(await key(ask()));
  });

  it("separates namespaces", async () => {
    expect(await key(ask(), "tenant-a")).not.toBe(await key(ask(), "tenant-b"));
  });

  it("ignores reasoning echoed back in earlier assistant turns", async () => {
    const turns = (answer: string): RawChatParams =>
      ask({
        messages: [
          { role: "user", content: "hi" },
          { role: "assistant", content: answer },
          { role: "user", content: "and then?" },
        ],
      });
    expect(await key(turns("<think>long chain</think>Hello"))).toBe(await key(turns("Hello")));
  });

  it("finds the last user message", () => {
    expect(
      lastUserPrompt([
        { role: "user", content: "first" },
        { role: "assistant", content: "a" },
        { role: "user", content: "second" },
      ]),
    ).toBe("second");
  });
});
