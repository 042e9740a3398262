import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

const stats = async () => (await call("/admin/stats", { headers: ADMIN })).json();
const ask = (prompt: string) => call("/v1/chat/completions", { body: chat(prompt) });
const patch = (body: unknown) => call("/admin/config", { method: "PATCH", body, headers: ADMIN });
/** This isolate's L1 hit counter from /admin/metrics. */
const isolateHits = async () => {
  const text = (await call("/admin/metrics", { headers: ADMIN })).text;
  const line = text.split("\n").find((l) => l.startsWith('r1cache_hits_total{tier="l1"} '));
  return Number(line?.split(" ")[1]);
};

afterEach(async () => {
  await call("/admin/config", { method: "DELETE", headers: ADMIN });
});

describe("statistics: false", () => {
  it("stops the global statistics (this isolate's counters go on); true resumes them", async () => {
    expect((await patch({ statistics: false })).status).toBe(200);
    const before = await stats();
    const isolateBefore = await isolateHits();
    await ask("statistics switch: asked while off");
    await ask("statistics switch: asked while off");
    const off = await stats();
    expect([off.hits - before.hits, off.misses - before.misses, off.upstream_calls]).toEqual([
      0,
      0,
      before.upstream_calls,
    ]);
    expect((await isolateHits()) - isolateBefore).toBe(1);

    expect((await patch({ statistics: true })).status).toBe(200);
    await ask("statistics switch: asked while off");
    const on = await stats();
    expect([on.hits - off.hits, on.misses - off.misses]).toEqual([1, 0]);
  });
});
