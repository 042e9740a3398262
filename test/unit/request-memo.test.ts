import { describe, expect, it } from "vitest";
import { createRequestMemo, type MemoSlot, prepare } from "../../src/routes/request-memo";
import type { ChatParams } from "../../src/upstream/types";

const slot = (tag: string): MemoSlot => ({ body: { tag, messages: [{ role: "user", content: tag }] } });
const tagOf = (s: MemoSlot | undefined) => (s?.body as { tag?: string } | undefined)?.tag;

describe("request memo", () => {
  it("keeps two namespaces apart, even when namespace and body could spell each other", () => {
    const memo = createRequestMemo();
    memo.set("a", "{}", slot("a"));
    expect(memo.get("a", "{}")).toBeDefined();
    expect(memo.get("b", "{}")).toBeUndefined();
    // "a:" + "b" and "a" + ":b" would be the same string without the length prefix.
    memo.set("a:", "b", slot("first"));
    expect(memo.get("a", ":b")).toBeUndefined();
    memo.set("a", ":b", slot("second"));
    expect(tagOf(memo.get("a:", "b"))).toBe("first");
    expect(tagOf(memo.get("a", ":b"))).toBe("second");
  });

  it("never answers for a different body", () => {
    const memo = createRequestMemo();
    memo.set("ns", '{"messages":[1]}', slot("one"));
    expect(memo.get("ns", '{"messages":[1] }')).toBeUndefined();
    expect(memo.get("ns", '{"messages":[2]}')).toBeUndefined();
  });

  it("holds at most maxEntries bodies, dropping the least recently used", () => {
    const memo = createRequestMemo({ maxEntries: 3 });
    for (const i of [1, 2, 3]) memo.set("ns", `body ${i}`, slot(String(i)));
    memo.get("ns", "body 1");
    memo.set("ns", "body 4", slot("4"));
    expect(memo.size).toBe(3);
    expect(memo.get("ns", "body 2")).toBeUndefined();
    expect(memo.get("ns", "body 1")).toBeDefined();
    expect(memo.get("ns", "body 4")).toBeDefined();
  });

  it("stays within its byte budget and skips bodies over maxBodyChars", () => {
    const memo = createRequestMemo({ maxBytes: 20_000, maxBodyChars: 4_000 });
    for (let i = 0; i < 50; i++) memo.set("ns", `${i}`.padEnd(1_000, "x"), slot(String(i)));
    expect(memo.bytes).toBeLessThanOrEqual(20_000);
    expect(memo.size).toBeGreaterThan(0);
    expect(memo.size).toBeLessThan(50);
    memo.set("ns", "y".repeat(4_001), slot("big"));
    expect(memo.get("ns", "y".repeat(4_001))).toBeUndefined();
  });

  it("freezes what it shares between requests", () => {
    const memo = createRequestMemo();
    const s = slot("frozen");
    memo.set("ns", "body", s);
    const body = memo.get("ns", "body")?.body as { messages: Array<{ content: string }> };
    const [message] = body.messages;
    expect(() => {
      if (message) message.content = "changed";
    }).toThrow(TypeError);
    expect(message?.content).toBe("frozen");
    const params = { model: "m", messages: [{ role: "user", content: "q" }] } as unknown as ChatParams;
    const prepared = prepare(s, { params, key: "k" });
    expect(Object.isFrozen(prepared.params.messages[0])).toBe(true);
    expect(memo.get("ns", "body")?.prepared?.key).toBe("k");
  });

  it("freezes bodies nested deeper than the call stack would allow", () => {
    const memo = createRequestMemo();
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    memo.set("ns", "deep", { body: { tools: [deep] } });
    const body = memo.get("ns", "deep")?.body as { tools: unknown[] };
    expect(Object.isFrozen(body.tools[0])).toBe(true);
  });
});
