import { describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

const stats = async () => (await call("/admin/stats", { headers: ADMIN })).json();
const patch = (body: unknown) => call("/admin/config", { method: "PATCH", headers: ADMIN, body });

/** A KV binding whose every call fails. */
const brokenKv = new Proxy({} as KVNamespace, {
  get: () => () => {
    throw new Error("KV is unavailable");
  },
});

describe("alerts", () => {
  it("raise on a low hit rate and a failing tier, in /admin/stats and /admin/metrics, and clear when relaxed", async () => {
    expect((await patch({ alerts: { minHitRate: 0.9, minLookups: 1, tierErrors: 2 } })).status).toBe(200);
    await call("/v1/chat/completions", { body: chat("alerts: a miss") });
    for (let i = 0; i < 3; i++) {
      await call("/v1/chat/completions", { body: chat(`alerts: KV down ${i}`), env: { CACHE_KV: brokenKv } });
    }
    const raised = await stats();
    const names = raised.alerts.map((a: { name: string }) => a.name);
    expect(names).toContain("hit_rate");
    expect(raised.alerts.find((a: { tier?: string }) => a.tier === "l2")).toMatchObject({
      name: "tier",
      threshold: 2,
    });
    const metrics = (await call("/admin/metrics", { headers: ADMIN })).text;
    expect(metrics).toContain('r1cache_alert{name="hit_rate"} 1');
    expect(metrics).toContain('r1cache_alert{name="latency"} 0');

    await patch({ alerts: { minHitRate: 0, tierErrors: 0 } });
    expect((await stats()).alerts).toEqual([]);
  });

  it("a bad threshold is a 400 naming it", async () => {
    const res = await patch({ alerts: { minHitRate: 2 } });
    expect([res.status, res.json().error.param]).toEqual([400, "alerts.minHitRate"]);
  });
});
