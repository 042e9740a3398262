import { describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

/** The value of one sample line, e.g. `r1cache_hits_total{tier="l1"}`. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series}`);
  return Number(line.slice(series.length + 1));
}

describe("GET /admin/metrics", () => {
  it("is Prometheus text whose counters move with the traffic", async () => {
    const before = (await call("/admin/metrics", { headers: ADMIN })).text;
    await call("/v1/chat/completions", { body: chat("metrics: one miss then one hit") });
    await call("/v1/chat/completions", { body: chat("metrics: one miss then one hit") });
    const res = await call("/admin/metrics", { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = res.text;
    expect(text).toContain("# HELP r1cache_hits_total");
    expect(text).toContain("# TYPE r1cache_hits_total counter");
    expect(text).toContain("# TYPE r1cache_response_seconds histogram");
    expect(
      sample(text, 'r1cache_hits_total{tier="l1"}') - sample(before, 'r1cache_hits_total{tier="l1"}'),
    ).toBe(1);
    expect(sample(text, "r1cache_misses_total") - sample(before, "r1cache_misses_total")).toBe(1);
    expect(sample(text, 'r1cache_tier_entries{tier="l1"}')).toBeGreaterThanOrEqual(1);
    // Buckets are cumulative and end at the count.
    const buckets = text
      .split("\n")
      .filter((l) => l.startsWith("r1cache_response_seconds_bucket"))
      .map((l) => Number(l.split(" ")[1]));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(buckets.at(-1)).toBe(sample(text, "r1cache_response_seconds_count"));
    expect(
      sample(text, "r1cache_response_seconds_count") - sample(before, "r1cache_response_seconds_count"),
    ).toBe(2);
    // Every family has its HELP and TYPE.
    const names = new Set(
      text
        .split("\n")
        .filter((l) => !l.startsWith("#") && l)
        .map((l) => l.split(/[{ ]/)[0]),
    );
    for (const name of names) {
      const family = name?.replace(/_(bucket|sum|count)$/, "");
      expect(text).toContain(`# TYPE ${family} `);
    }
  });

  it("needs the admin token", async () => {
    expect((await call("/admin/metrics")).status).toBe(403);
  });
});
