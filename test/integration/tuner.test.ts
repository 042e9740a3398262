import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { EVALUATE_EVERY_MS, FIRST_EVALUATION_MS, MIN_EVALUATION_INTERVAL_MS } from "../../src/durable/tuner";
import { EVALUATE_EVERY_SAMPLES } from "../../src/tuning/decide";
import { TUNER_NAME } from "../../src/tuning/sample";
import { burstTrace, loopTrace } from "../helpers/traces";
import { ADMIN, call } from "../helpers/worker";

const MIB = 1024 * 1024;
const SIZE = 4096;
const tuner = () => env.TUNER.get(env.TUNER.idFromName(TUNER_NAME));
const patch = (body: unknown) => call("/admin/config", { method: "PATCH", body, headers: ADMIN });
const config = async () => (await call("/admin/config", { headers: ADMIN })).json();
const evaluateNow = async () =>
  (await call("/admin/tuning/evaluate", { method: "POST", headers: ADMIN })).json();
const status = async () => (await call("/admin/tuning", { headers: ADMIN })).json();

afterEach(async () => {
  await call("/admin/config", { method: "DELETE", headers: ADMIN });
  await tuner().reset();
});

describe("auto-tuner", () => {
  it("switches to a policy that wins by far at the first evaluation, leaving semantic settings alone", async () => {
    // Semantic settings an admin chose: the tuner must leave every one of them as it is.
    await patch({
      autoTune: true,
      semanticPreset: "strict",
      semanticThreshold: 0.93,
      tiers: { l1: { maxBytes: MIB } },
    });
    const before = await config();
    await tuner().ingest({ rate: 1, samples: loopTrace(360, 6000, SIZE) });
    // Never evaluated and 6,000 samples (more than MIN_WINDOW): the first evaluation is due in a minute.
    const alarm = await runInDurableObject(tuner(), (_, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect((alarm ?? 0) - Date.now()).toBeLessThanOrEqual(FIRST_EVALUATION_MS);
    const first = await evaluateNow();
    expect(first.evaluation.proposals.evictionPolicy).toBe("hybrid");
    expect(first.evaluation.decisive).toEqual(["evictionPolicy"]);
    expect(first.decisions.map((d: { setting: string }) => d.setting)).toContain("evictionPolicy");
    const after = await config();
    expect(after.evictionPolicy).toBe("hybrid");
    for (const field of Object.keys(before).filter((f) => f.startsWith("semantic"))) {
      expect(after[field], field).toEqual(before[field]);
    }
    const { decisions } = await status();
    const policy = decisions.find((d: { setting: string }) => d.setting === "evictionPolicy");
    expect(policy).toMatchObject({ from: "lru", to: "hybrid", evidence: { window: 6000, sampleRate: 1 } });
    expect(policy.evidence.hitRates.hybrid - policy.evidence.hitRates.lru).toBeGreaterThan(0.5);
  });

  it("evaluates again once EVALUATE_EVERY_SAMPLES new samples arrived, not a quarter of an hour later", async () => {
    await patch({ autoTune: true, tiers: { l1: { maxBytes: MIB } } });
    const alarmIn = async () =>
      ((await runInDurableObject(tuner(), (_, state) => state.storage.getAlarm())) ?? Number.NaN) -
      Date.now();
    const clearAlarm = () => runInDurableObject(tuner(), (_, state) => state.storage.deleteAlarm());
    await tuner().ingest({ rate: 1, samples: loopTrace(360, 6000, SIZE) });
    await evaluateNow();
    await clearAlarm();
    // A trickle: the evaluation waits for the quarter of an hour.
    const trickle = loopTrace(360, EVALUATE_EVERY_SAMPLES / 2, SIZE).map((s) => ({ ...s, at: s.at + 6000 }));
    await tuner().ingest({ rate: 1, samples: trickle });
    expect(await alarmIn()).toBeGreaterThan(EVALUATE_EVERY_MS - 60_000);
    await clearAlarm();
    // Enough new samples: due when the minute since the last evaluation is over, not later.
    await tuner().ingest({ rate: 1, samples: trickle.map((s) => ({ ...s, at: s.at + 1000 })) });
    expect(await alarmIn()).toBeLessThanOrEqual(MIN_EVALUATION_INTERVAL_MS);
    // Evaluating starts the count over.
    await evaluateNow();
    await clearAlarm();
    await tuner().ingest({ rate: 1, samples: trickle.map((s) => ({ ...s, at: s.at + 2000 })) });
    expect(await alarmIn()).toBeGreaterThan(EVALUATE_EVERY_MS - 60_000);
  });

  it("does not flap on noise: two policies within the margin, evaluated again and again", async () => {
    await patch({ autoTune: true, evictionPolicy: "adaptive", tiers: { l1: { maxBytes: MIB } } });
    for (let round = 0; round < 4; round++) {
      const samples = burstTrace(5000, 150, SIZE, round + 1).map((s) => ({ ...s, at: s.at + round * 5000 }));
      await tuner().ingest({ rate: 1, samples });
      const { evaluation } = await evaluateNow();
      // The rival within the margin changes from round to round; neither is ever proposed.
      expect(Math.abs(evaluation.hitRates.lru - evaluation.hitRates.adaptive)).toBeLessThan(0.01);
    }
    const { decisions } = await status();
    expect(decisions.filter((d: { setting: string }) => d.setting === "evictionPolicy")).toEqual([]);
    expect((await config()).evictionPolicy).toBe("adaptive");
  });

  it("applies nothing while autoTune is off", async () => {
    await patch({ tiers: { l1: { maxBytes: MIB } } });
    await tuner().ingest({ rate: 1, samples: loopTrace(360, 6000, SIZE) });
    for (let i = 0; i < 3; i++) expect((await evaluateNow()).skipped).toBe("autoTune is off");
    expect((await config()).evictionPolicy).toBe("lru");
    expect((await status()).decisions).toEqual([]);
  });

  it("GET /admin/tuning answers {enabled, current, decisions} and follows PATCH autoTune", async () => {
    const off = await status();
    expect(off).toMatchObject({ enabled: false, decisions: [] });
    expect(off.current).toMatchObject({ evictionPolicy: "lru", l1MaxBytes: 32 * MIB, window: 0 });
    expect((await patch({ autoTune: true })).status).toBe(200);
    expect((await status()).enabled).toBe(true);
    expect((await patch({ autoTune: false })).status).toBe(200);
    expect((await status()).enabled).toBe(false);
    expect((await patch({ autoTune: "yes" })).status).toBe(400);
    // A client key is not an admin token.
    expect((await call("/admin/tuning")).status).toBe(403);
  });
});
