import { describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

const warm = (body: unknown) => call("/admin/warmup", { method: "POST", headers: ADMIN, body });
const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("POST /admin/warmup", () => {
  it("fills the cache for a tenant, reports progress per prompt, then a summary; the prompts then hit", async () => {
    await call("/v1/chat/completions", { body: chat("Warm: already here") });
    const res = await warm({
      namespace: "dev",
      prompts: ["Warm: already here", "Warm: first new one", "Warm: second new one"],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const out = lines(res.text);
    const progress = out.filter((l) => !l.summary);
    expect(progress).toHaveLength(3);
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3 });
    expect(out.at(-1)).toMatchObject({
      summary: true,
      cached: 1,
      stored: 2,
      failed: 0,
      skipped: 0,
      upstream_calls: 2,
    });
    for (const prompt of ["Warm: first new one", "Warm: second new one"]) {
      const hit = await call("/v1/chat/completions", { body: chat(prompt) });
      expect(hit.headers.get("x-r1cache")).toBe("HIT");
    }
  });

  it("stays within max_upstream_calls: the rest is skipped, not stored", async () => {
    const res = await warm({
      namespace: "dev",
      prompts: ["Warm: a", "Warm: b", "Warm: c"],
      max_upstream_calls: 1,
    });
    expect(lines(res.text).at(-1)).toMatchObject({ stored: 1, skipped: 2, upstream_calls: 1 });
  });

  it("warms only the tenant it names", async () => {
    await warm({ namespace: "someone-else", prompts: ["Warm: for another tenant"] });
    const mine = await call("/v1/chat/completions", { body: chat("Warm: for another tenant") });
    expect(mine.headers.get("x-r1cache")).toBe("MISS");
  });

  it("names the bad field", async () => {
    const noNamespace = await warm({ prompts: ["x"] });
    expect([noNamespace.status, noNamespace.json().error.param]).toEqual([400, "namespace"]);
    const empty = await warm({ namespace: "dev", prompts: [] });
    expect([empty.status, empty.json().error.param]).toEqual([400, "prompts"]);
    const notStrings = await warm({ namespace: "dev", prompts: [1] });
    expect([notStrings.status, notStrings.json().error.param]).toEqual([400, "prompts[0]"]);
  });
});
