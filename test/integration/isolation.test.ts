import { describe, expect, it } from "vitest";
import { call, chat } from "../helpers/worker";

const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-a": "tenant-a", "key-b": "tenant-b" }) };
const as = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  call("/v1/chat/completions", { body, env: KEYS, headers: { authorization: `Bearer ${key}`, ...headers } });

describe("namespaces", () => {
  it("two tenants never share an entry", async () => {
    const body = chat("Tenant-private question");
    const a1 = await as("key-a", body);
    const b1 = await as("key-b", body);
    expect(a1.headers.get("x-r1cache")).toBe("MISS");
    expect(b1.headers.get("x-r1cache")).toBe("MISS");
    expect(a1.headers.get("x-r1cache-key")).not.toBe(b1.headers.get("x-r1cache-key"));
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("HIT");
    expect((await as("key-b", body)).headers.get("x-r1cache")).toBe("HIT");
  });
});

describe("request controls", () => {
  it("no-cache skips the lookup but stores the fresh answer", async () => {
    const body = chat("no-cache control");
    await as("key-a", body);
    const fresh = await as("key-a", body, { "cache-control": "no-cache" });
    expect(fresh.headers.get("x-r1cache")).toBe("BYPASS");
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("HIT");
  });

  it("no-store may be answered from the cache but stores nothing", async () => {
    const stored = chat("no-store control, stored first");
    await as("key-a", stored);
    expect((await as("key-a", stored, { "cache-control": "no-store" })).headers.get("x-r1cache")).toBe("HIT");
    const unstored = chat("no-store control, never stored");
    expect((await as("key-a", unstored, { "cache-control": "no-store" })).headers.get("x-r1cache")).toBe(
      "MISS",
    );
    expect((await as("key-a", unstored)).headers.get("x-r1cache")).toBe("MISS");
  });

  it("max-age serves only entries young enough", async () => {
    const body = chat("max-age control");
    await as("key-a", body);
    expect((await as("key-a", body, { "cache-control": "max-age=60" })).headers.get("x-r1cache")).toBe("HIT");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await as("key-a", body, { "cache-control": "max-age=0" })).headers.get("x-r1cache")).toBe("MISS");
  });

  it("x-r1cache-ttl sets how long the answer lives", async () => {
    const body = chat("ttl control");
    const first = await as("key-a", body, { "x-r1cache-ttl": "1" });
    expect(first.headers.get("x-r1cache")).toBe("MISS");
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("HIT");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await as("key-a", body)).headers.get("x-r1cache")).toBe("MISS");
  });
});
