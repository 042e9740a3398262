/**
 * The fast hit path (request memo, pre-rendered completion JSON) must answer exactly as the ordinary
 * path does: these send the same bytes again and check that nothing the memo skips is skipped.
 */
import { describe, expect, it } from "vitest";
import { call, chat } from "../helpers/worker";

const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-a": "tenant-a", "key-b": "tenant-b" }) };
const post = (body: string, headers: Record<string, string> = {}, env: Record<string, string> = {}) =>
  call("/v1/chat/completions", { body, headers, env });

describe("fast hit path", () => {
  it("serves a hit whose body is the miss's, byte for byte, with only `created` per response", async () => {
    const body = JSON.stringify(chat("fast-hit: bytes of a hit"));
    const miss = await post(body);
    const hit = await post(body);
    expect(miss.headers.get("x-r1cache")).toBe("MISS");
    expect(hit.headers.get("x-r1cache-tier")).toBe("l1");
    expect(hit.headers.get("content-type")).toBe("application/json");
    const created = (text: string) => text.replace(/"created":\d+,/, '"created":0,');
    expect(created(hit.text)).toBe(created(miss.text));
    // The shape c.json wrote before: JSON.stringify of the object, keys in this order.
    const parsed = hit.json();
    expect(JSON.stringify(parsed)).toBe(hit.text);
    expect(Object.keys(parsed)).toEqual(["id", "object", "created", "model", "choices", "usage"]);
    expect(parsed.id).toBe(`chatcmpl-${hit.headers.get("x-r1cache-key")?.slice(0, 29)}`);
    expect(Math.abs(parsed.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it("keys the same bytes from two tenants apart", async () => {
    const body = JSON.stringify(chat("fast-hit: tenants"));
    const as = (key: string) => post(body, { authorization: `Bearer ${key}` }, KEYS);
    const a = [await as("key-a"), await as("key-a")];
    const b = await as("key-b");
    expect(a[1]?.headers.get("x-r1cache")).toBe("HIT");
    expect(b.headers.get("x-r1cache")).toBe("MISS");
    expect(b.headers.get("x-r1cache-key")).not.toBe(a[0]?.headers.get("x-r1cache-key"));
  });

  it("still authenticates, limits and validates a body it has seen", async () => {
    const text = JSON.stringify(chat(`fast-hit: limits ${"x".repeat(1_200)}`));
    expect((await post(text)).status).toBe(200);
    expect((await post(text)).headers.get("x-r1cache")).toBe("HIT");
    expect((await post(text, { authorization: "Bearer wrong" })).status).toBe(401);
    const small = { R1CACHE_CONFIG: JSON.stringify({ maxRequestBytes: 1024 }) };
    const tooBig = await post(text, {}, small);
    expect(tooBig.status).toBe(413);
    expect(tooBig.json().error.code).toBe("payload_too_large");
    // Same bytes, but not declared as JSON: the validator sees no body, as before the memo.
    const plain = await post(text, { "content-type": "text/plain" });
    expect(plain.status).toBe(400);
    expect(plain.json().error.param).toBe("messages");
  });

  it("answers a bad body with the same 400 every time", async () => {
    const bad = JSON.stringify({ messages: [{ role: "robot", content: "fast-hit: bad" }] });
    const first = await post(bad);
    const second = await post(bad);
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second.text).toBe(first.text);
    const broken = await post('{"messages": [');
    expect(broken.status).toBe(400);
    expect((await post('{"messages": [')).text).toBe(broken.text);
  });

  it("honours request controls on a memoized body", async () => {
    const body = JSON.stringify(chat("fast-hit: controls"));
    await post(body);
    expect((await post(body)).headers.get("x-r1cache")).toBe("HIT");
    expect((await post(body, { "cache-control": "no-cache" })).headers.get("x-r1cache")).toBe("BYPASS");
    expect((await post(body, { "x-r1cache-ttl": "0" })).status).toBe(400);
    expect((await post(body, { "cache-control": "max-age=abc" })).status).toBe(400);
  });

  it("keeps the memos of the two chat routes apart", async () => {
    // Valid for both schemas, meaning different questions to each.
    const body = JSON.stringify({
      prompt: "fast-hit: native question",
      messages: [{ role: "user", content: "fast-hit: openai question" }],
    });
    const openai = await post(body);
    const native = await call("/v1/r1/chat", { body });
    const openaiAgain = await post(body);
    expect(openai.json().choices[0].message.content).toContain("openai question");
    expect(native.json().response).toContain("native question");
    expect(openaiAgain.json().choices[0].message.content).toContain("openai question");
    expect(native.headers.get("x-r1cache-key")).not.toBe(openai.headers.get("x-r1cache-key"));
  });
});
