import { describe, expect, it } from "vitest";
import {
  CONFIRM_SAMPLES,
  CONFIRMATIONS,
  decide,
  type Evaluation,
  evaluate,
  MARGIN,
  patchOf,
} from "../../../src/tuning/decide";
import { flushSamples, isSampled, SAMPLE_RATE, sampleAccess } from "../../../src/tuning/sample";
import { burstTrace, loopTrace } from "../../helpers/traces";

const MIB = 1024 * 1024;
/** 4 KiB bodies: a 1 MiB L1 holds 241 of them (L1 charges 256 bytes per entry besides the body). */
const SIZE = 4096;
const current = { evictionPolicy: "lru" as const, l1MaxBytes: MIB };

const evaluation = (proposals: Evaluation["proposals"]): Evaluation => ({
  at: 0,
  window: 5000,
  rate: 1,
  hitRates: { lru: 0.3, lfu: 0.3, adaptive: 0.3, hybrid: 0.3 },
  sizeHitRates: {},
  proposals,
});

describe("evaluate", () => {
  it("proposes the policy that wins by the margin on a loop larger than L1 (hybrid over lru)", async () => {
    const result = await evaluate(loopTrace(360, 6000, SIZE), 1, current, 0, { sizes: false });
    expect(result.hitRates.lru).toBe(0);
    expect(result.hitRates.hybrid).toBeGreaterThan(0.5);
    expect(result.proposals).toEqual({ evictionPolicy: "hybrid" });
  });

  it("proposes nothing when the best policy is within the margin of the current one", async () => {
    const result = await evaluate(burstTrace(8000, 150, SIZE, 7), 1, current, 0, { sizes: false });
    expect(Math.abs(result.hitRates.adaptive - result.hitRates.lru)).toBeLessThan(MARGIN);
    // The frequency policies are far behind: the trace is not a tie of everything.
    expect(result.hitRates.lru - result.hitRates.hybrid).toBeGreaterThan(0.2);
    expect(result.proposals).toEqual({});
  });

  it("grows L1 when twice the bytes win the margin, and never proposes past the cap", async () => {
    const result = await evaluate(loopTrace(360, 6000, SIZE), 1, { ...current, evictionPolicy: "hybrid" }, 0);
    expect(result.proposals).toEqual({ "tiers.l1.maxBytes": 2 * MIB });
    const capped = await evaluate(
      loopTrace(360, 6000, SIZE),
      1 / 256,
      { ...current, l1MaxBytes: 64 * MIB },
      0,
    );
    expect(capped.proposals["tiers.l1.maxBytes"] ?? 0).toBeLessThanOrEqual(64 * MIB);
  });
});

describe("decide (hysteresis)", () => {
  it(`applies a proposal only after ${CONFIRMATIONS} evaluations in a row`, () => {
    const first = decide(evaluation({ evictionPolicy: "hybrid" }), current, {});
    expect(first.decisions).toEqual([]);
    const second = decide(evaluation({ evictionPolicy: "hybrid" }), current, first.pending);
    expect(second.decisions).toMatchObject([{ setting: "evictionPolicy", from: "lru", to: "hybrid" }]);
    expect(second.pending).toEqual({});
  });

  it(`counts a confirmation only ${CONFIRM_SAMPLES} new samples after the first win`, () => {
    const at = (seen: number) => ({ ...evaluation({ evictionPolicy: "hybrid" }), seen });
    const first = decide(at(10_000), current, {});
    // The next evaluation replays nearly the same window: not yet a confirmation.
    const early = decide(at(11_000), current, first.pending);
    expect(early.decisions).toEqual([]);
    expect(early.pending).toEqual({ evictionPolicy: { to: "hybrid", wins: 2, since: 10_000 } });
    const later = decide(at(10_000 + CONFIRM_SAMPLES), current, early.pending);
    expect(later.decisions).toMatchObject([{ setting: "evictionPolicy", from: "lru", to: "hybrid" }]);
  });

  it("does not switch back to what the older part of the window prefers when the newest part disagrees", async () => {
    // Bursts, then a loop larger than L1: hybrid already runs (the loop's winner). Over the whole window
    // the bursts still make LRU and ARC look better; the newest half says hybrid. No proposal.
    const window = [...burstTrace(14_000, 150, SIZE, 3), ...loopTrace(360, 6000, SIZE)];
    const running = { ...current, evictionPolicy: "hybrid" as const };
    const result = await evaluate(window, 1, running, 0, { sizes: false });
    expect(result.hitRates.adaptive).toBeGreaterThan(result.hitRates.hybrid + MARGIN);
    expect(result.recentHitRates?.hybrid ?? 0).toBeGreaterThan(
      (result.recentHitRates?.adaptive ?? 1) + MARGIN,
    );
    expect(result.proposals).toEqual({});
  });

  it("does not flap when the winner alternates, or a proposal is interrupted", () => {
    let pending = {};
    const winners = ["hybrid", "lfu", "hybrid", "lfu", undefined, "hybrid", "adaptive", "hybrid"];
    for (const to of winners) {
      const step = decide(evaluation(to ? { evictionPolicy: to } : {}), current, pending);
      expect(step.decisions).toEqual([]);
      pending = step.pending;
    }
  });

  it("applies a decisive win at its first evaluation", () => {
    const step = decide(
      { ...evaluation({ evictionPolicy: "hybrid" }), decisive: ["evictionPolicy"] },
      current,
      {},
    );
    expect(step.decisions).toMatchObject([{ setting: "evictionPolicy", from: "lru", to: "hybrid" }]);
  });

  it("sees a change of pattern in the newest part of the window", async () => {
    // Bursts that LRU serves well, then a loop larger than L1 that only hybrid serves: over the whole
    // window LRU still looks fine, the newest half alone says hybrid by far.
    const window = [...burstTrace(8000, 150, SIZE, 7), ...loopTrace(360, 5000, SIZE)];
    const result = await evaluate(window, 1, current, 0, { sizes: false });
    expect(result.hitRates.lru).toBeGreaterThan(result.hitRates.hybrid);
    expect(result.recentHitRates?.hybrid ?? 0).toBeGreaterThan((result.recentHitRates?.lru ?? 1) + 0.05);
    expect(result.proposals).toEqual({ evictionPolicy: "hybrid" });
    expect(result.decisive).toEqual(["evictionPolicy"]);
  });

  it("patches only the tuned fields", () => {
    const { decisions } = decide(
      evaluation({ evictionPolicy: "adaptive", "tiers.l1.maxBytes": 2 * MIB }),
      current,
      { evictionPolicy: { to: "adaptive", wins: 1 }, "tiers.l1.maxBytes": { to: 2 * MIB, wins: 1 } },
    );
    expect(patchOf(decisions)).toEqual({ evictionPolicy: "adaptive", tiers: { l1: { maxBytes: 2 * MIB } } });
  });
});

describe("access sample", () => {
  it("samples a key by its hash, all of its accesses or none", () => {
    expect(isSampled("00000000aa")).toBe(true);
    expect(isSampled("ffffffffaa")).toBe(false);
    const keys = Array.from({ length: 4000 }, (_, i) =>
      (i * 2_654_435_761).toString(16).padStart(8, "0").slice(-8),
    );
    const share = keys.filter((key) => isSampled(key)).length / keys.length;
    expect(share).toBeGreaterThan(SAMPLE_RATE * 0.8);
    expect(share).toBeLessThan(SAMPLE_RATE * 1.2);
  });

  it("sends the sampled accesses from the flush, with their rate", async () => {
    const batches: Array<{ rate: number; samples: unknown[] }> = [];
    const sink = {
      idFromName: () => "tuner",
      get: () => ({ ingest: (b: never) => batches.push(b) }),
    };
    sampleAccess("00000001", "acme", 10, 1);
    sampleAccess("ffffffff", "acme", 10, 2);
    sampleAccess("00000001", "acme", 0, 3);
    await flushSamples(sink, 1e15);
    expect(batches).toHaveLength(1);
    expect(batches[0]?.rate).toBe(SAMPLE_RATE);
    expect(batches[0]?.samples).toEqual([
      { key: "00000001", ns: "acme", size: 10, at: 1 },
      { key: "00000001", ns: "acme", size: 0, at: 3 },
    ]);
  });
});
