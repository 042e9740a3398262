import { afterAll, describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

const patch = (body: unknown) => call("/admin/config", { method: "PATCH", body, headers: ADMIN });

afterAll(async () => {
  await call("/admin/config", { method: "DELETE", headers: ADMIN });
});

describe("GET|PATCH /admin/config", () => {
  it("changes the running config and keeps earlier overrides", async () => {
    const res = await patch({ evictionPolicy: "lfu", tiers: { l1: { maxBytes: 1_000_000 } } });
    expect(res.status).toBe(200);
    await patch({ semanticThreshold: 0.9 });
    const config = (await call("/admin/config", { headers: ADMIN })).json();
    expect(config).toMatchObject({ evictionPolicy: "lfu", semanticThreshold: 0.9 });
    expect(config.tiers.l1.maxBytes).toBe(1_000_000);
    // The rest of the tier keeps its value.
    expect(config.tiers.l1.ttlSeconds).toBe(86_400);
  });

  it("keeps the fields of an earlier PATCH of the same object (alerts, demoteAfterSeconds)", async () => {
    await patch({ alerts: { maxP95Ms: 2_000 }, demoteAfterSeconds: { l1: 60 } });
    await patch({ alerts: { minHitRate: 0.5 }, demoteAfterSeconds: { l3: 3_600 } });
    const config = (await call("/admin/config", { headers: ADMIN })).json();
    expect(config.alerts).toMatchObject({ maxP95Ms: 2_000, minHitRate: 0.5 });
    expect(config.demoteAfterSeconds).toMatchObject({ l1: 60, l3: 3_600 });
  });

  it.each(["adaptive", "hybrid", "lfu", "lru"])("accepts evictionPolicy %s", async (policy) => {
    const res = await patch({ evictionPolicy: policy });
    expect(res.status).toBe(200);
    expect((await call("/admin/config", { headers: ADMIN })).json().evictionPolicy).toBe(policy);
  });

  it("registers templates that the next requests obey", async () => {
    await patch({ templates: ["Explain {topic} for a {level} trader"] });
    const ask = (prompt: string) => call("/v1/chat/completions", { body: chat(prompt) });
    await ask("Explain order blocks for a beginner trader");
    const otherSlot = await ask("Explain order blocks for an expert trader");
    expect(otherSlot.headers.get("x-r1cache")).toBe("MISS");
    const search = await call("/v1/r1/search", { body: { prompt: "Explain order blocks for a pro trader" } });
    const reasons = search
      .json()
      .matches.map((m: { reason: string }) => m.reason)
      .join(" ");
    expect(reasons).toContain("level");
  });

  it.each([
    [{ evictionPolicy: "fifo" }, "evictionPolicy"],
    [{ evictionPolicy: "arc" }, "evictionPolicy"],
    [{ evictionPolicy: "ADAPTIVE" }, "evictionPolicy"],
    [{ semanticThreshold: 2 }, "semanticThreshold"],
    [{ tiers: { l1: { maxBytes: -1 } } }, "tiers.l1.maxBytes"],
    [{ colour: "blue" }, "colour"],
    [[1, 2], "body"],
  ])("400 naming the field for %j", async (body, field) => {
    const res = await patch(body);
    expect(res.status).toBe(400);
    expect(res.json().error.param).toBe(field);
  });

  it("DELETE drops every override", async () => {
    await patch({ evictionPolicy: "lfu" });
    const reset = await call("/admin/config", { method: "DELETE", headers: ADMIN });
    expect(reset.json().evictionPolicy).toBe("lru");
  });

  it("is admin-only", async () => {
    expect((await call("/admin/config", { method: "PATCH", body: { autoTune: true } })).status).toBe(403);
  });
});

describe("runtime limits", () => {
  it("maxRequestBytes set through the admin API applies to the next request", async () => {
    await patch({ maxRequestBytes: 2048 });
    const res = await call("/v1/chat/completions", { body: chat("y".repeat(4000)) });
    expect(res.status).toBe(413);
    expect(res.json().error.message).toContain("2048");
    await call("/admin/config", { method: "DELETE", headers: ADMIN });
    expect((await call("/v1/chat/completions", { body: chat("y".repeat(4000)) })).status).toBe(200);
  });
});
