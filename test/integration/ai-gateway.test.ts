import { describe, expect, it } from "vitest";
import { call, chat } from "../helpers/worker";

const ask = (prompt: string, headers: Record<string, string> = {}) =>
  call("/v1/chat/completions", { body: chat(prompt), headers });

describe("Cloudflare AI Gateway's cache headers", () => {
  it("answers cf-aig-cache-status beside x-r1cache", async () => {
    expect((await ask("AIG: status")).headers.get("cf-aig-cache-status")).toBe("MISS");
    expect((await ask("AIG: status")).headers.get("cf-aig-cache-status")).toBe("HIT");
  });

  it("cf-aig-skip-cache: true neither looks up nor stores", async () => {
    await ask("AIG: skip");
    const skipped = await ask("AIG: skip", { "cf-aig-skip-cache": "true" });
    expect(skipped.headers.get("x-r1cache")).toBe("BYPASS");
    const fresh = await ask("AIG: skip, never stored", { "cf-aig-skip-cache": "true" });
    expect(fresh.headers.get("x-r1cache")).toBe("BYPASS");
    expect((await ask("AIG: skip, never stored")).headers.get("x-r1cache")).toBe("MISS");
  });

  it("cf-aig-cache-key names the entry: two different bodies with one key share it", async () => {
    const first = await ask("AIG: the first wording", { "cf-aig-cache-key": "faq-42" });
    const second = await ask("AIG: a different body", { "cf-aig-cache-key": "faq-42" });
    expect(second.headers.get("x-r1cache")).toBe("HIT");
    expect(second.json().choices[0].message.content).toBe(first.json().choices[0].message.content);
    expect((await ask("AIG: a different body")).headers.get("x-r1cache")).toBe("MISS");
  });

  it("cf-aig-cache-ttl sets the lifetime like x-r1cache-ttl, and bad values name the header", async () => {
    const bad = await ask("AIG: ttl", { "cf-aig-cache-ttl": "soon" });
    expect([bad.status, bad.json().error.param]).toEqual([400, "cf-aig-cache-ttl"]);
    const skip = await ask("AIG: ttl", { "cf-aig-skip-cache": "maybe" });
    expect([skip.status, skip.json().error.param]).toEqual([400, "cf-aig-skip-cache"]);
    await ask("AIG: short-lived", { "cf-aig-cache-ttl": "1" });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await ask("AIG: short-lived")).headers.get("x-r1cache")).toBe("MISS");
  });
});
