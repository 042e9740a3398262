/**
 * @module The auto-tuner's decisions, as pure functions: evaluate candidate settings on a window of
 * sampled accesses (./simulate.ts), propose the best, and apply a proposal only once it has won by the
 * margin on {@link CONFIRMATIONS} evaluations in a row, {@link CONFIRM_SAMPLES} apart (hysteresis: noise
 * does not flap the config), or at once when it wins by {@link DECISIVE_MARGIN}.
 * Only the eviction policy and L1's byte budget are tuned; see README ("Auto-tuning") for why demotion
 * ages and compression are not, and nothing semantic ever is.
 */
import { EVICTION_POLICY_NAMES, type EvictionPolicyName } from "../tiers/eviction";
import type { AccessSample } from "./sample";
import { simulateHitRate, sizesOf } from "./simulate";

/** A candidate must beat the current setting's simulated hit rate by this much (1 point). */
export const MARGIN = 0.01;
/** Evaluations in a row a proposal must win before it is applied. */
export const CONFIRMATIONS = 2;
/**
 * New samples between a proposal's first win and its confirmation. Evaluations come every
 * EVALUATE_EVERY_SAMPLES and replay overlapping windows, so two in a row are nearly the same evidence;
 * a confirmation has to come from traffic the first win did not see most of.
 */
export const CONFIRM_SAMPLES = 4_000;
/**
 * A win this large (5 points) is no noise: applied at its first evaluation, so a clear winner is not
 * kept waiting while the wrong policy runs (a loop under LRU hits nothing at all).
 */
export const DECISIVE_MARGIN = 0.05;
/**
 * Order of preference among policies within {@link MARGIN} of the best simulated one: longest memory
 * first (W-TinyLFU's frequency sketch, then ARC's ghosts, then plain recency, then plain frequency).
 */
export const PREFERENCE: readonly EvictionPolicyName[] = ["hybrid", "adaptive", "lru", "lfu"];
/** Share of the window, newest accesses, judged again on its own to see a change of pattern early. */
export const RECENT_SHARE = 0.5;
/** L1 shrinks to half when that loses less than this much hit rate (0.2 points): memory back for free. */
export const SHRINK_TOLERANCE = 0.002;
/** L1 never grows past this: half of an isolate's 128 MB (https://developers.cloudflare.com/workers/platform/limits/#memory). */
export const MAX_L1_BYTES = 64 * 1024 * 1024;
/** L1 never shrinks below this. */
export const MIN_L1_BYTES = 1024 * 1024;
/** Fewer samples than this tell nothing: no evaluation. */
export const MIN_WINDOW = 2_000;
/** Samples the `Tuner` keeps and replays: the newest, by arrival. */
export const WINDOW = 20_000;
/**
 * New samples that make an evaluation due: a change of traffic is judged within this many sampled
 * accesses (8,000 requests at the default 1/8 rate), not within a quarter of an hour, however busy the
 * deployment (`npm run bench:tuner` replays this cadence).
 */
export const EVALUATE_EVERY_SAMPLES = 1_000;

/** What the tuner changes. Deliberately nothing else: see {@link TUNABLE_FIELDS}. */
export type TunedSetting = "evictionPolicy" | "tiers.l1.maxBytes";
/** The top-level config fields a tuning patch may hold; anything semantic is absent by construction. */
export const TUNABLE_FIELDS = ["evictionPolicy", "tiers"] as const;

export interface TunedValues {
  evictionPolicy: EvictionPolicyName;
  l1MaxBytes: number;
}

export interface Evaluation {
  at: number;
  window: number;
  rate: number;
  /** Simulated hit rate per policy at the current L1 size. */
  hitRates: Record<EvictionPolicyName, number>;
  /** Samples received in all, when known: confirmations must be {@link CONFIRM_SAMPLES} apart. */
  seen?: number;
  /** Simulated hit rate per policy on the newest {@link RECENT_SHARE} of the window. */
  recentHitRates?: Record<EvictionPolicyName, number>;
  /** Simulated hit rate per L1 size (bytes) under the policy that will be in force. */
  sizeHitRates: Record<string, number>;
  proposals: Partial<Record<TunedSetting, string | number>>;
  /** Proposals that won by {@link DECISIVE_MARGIN}: applied without waiting for confirmations. */
  decisive?: TunedSetting[];
}

export interface EvaluateOptions {
  /** Tune L1's size as well as the policy. @default true */
  sizes?: boolean;
  /** Samples received in all (the `Tuner`'s sequence number), recorded for {@link decide}. */
  seen?: number;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const clampSize = (bytes: number) => Math.min(MAX_L1_BYTES, Math.max(MIN_L1_BYTES, Math.round(bytes)));

/** Replays `window` through every candidate and names the settings that beat the current ones. */
export async function evaluate(
  window: readonly AccessSample[],
  rate: number,
  current: TunedValues,
  at: number,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const sizeOf = sizesOf(window);
  const ratesOn = async (accesses: readonly AccessSample[]) => {
    const rates = {} as Record<EvictionPolicyName, number>;
    for (const policy of EVICTION_POLICY_NAMES) {
      rates[policy] = round(await simulateHitRate(accesses, policy, current.l1MaxBytes, rate, sizeOf));
    }
    return rates;
  };
  const bestOf = (rates: Record<EvictionPolicyName, number>) => {
    const top = EVICTION_POLICY_NAMES.reduce((a, b) => (rates[b] > rates[a] ? b : a));
    // Within the margin of the top, the policy that remembers longest: a window replayed from an
    // empty L1 undervalues frequency history, which only pays off over longer runs than the window.
    const best = PREFERENCE.find((p) => rates[top] - rates[p] < MARGIN - 1e-9) ?? top;
    return { best, gain: rates[best] - rates[current.evictionPolicy] };
  };
  const hitRates = await ratesOn(window);
  // The pattern may have changed within the window: the newest part, judged alone, may already prefer
  // another policy by far while the older part still outweighs it. The newest evidence wins.
  const recentHitRates = await ratesOn(window.slice(Math.floor(window.length * (1 - RECENT_SHARE))));
  const proposals: Evaluation["proposals"] = {};
  const decisive: TunedSetting[] = [];
  const whole = bestOf(hitRates);
  const recent = bestOf(recentHitRates);
  // A policy the newest part rates worse than the current one is no improvement, whatever the older
  // part says: proposing it would switch back and forth across a change of pattern.
  const holdsRecently = recentHitRates[whole.best] > recentHitRates[current.evictionPolicy] - MARGIN;
  if (recent.best !== current.evictionPolicy && recent.gain >= DECISIVE_MARGIN - 1e-9) {
    proposals.evictionPolicy = recent.best;
    decisive.push("evictionPolicy");
  } else if (whole.best !== current.evictionPolicy && whole.gain >= MARGIN - 1e-9 && holdsRecently) {
    proposals.evictionPolicy = whole.best;
    if (whole.gain >= DECISIVE_MARGIN - 1e-9) decisive.push("evictionPolicy");
  }
  const policy = (proposals.evictionPolicy as EvictionPolicyName | undefined) ?? current.evictionPolicy;
  const sizeHitRates: Record<string, number> = { [current.l1MaxBytes]: hitRates[policy] };
  if (options.sizes !== false) {
    const smaller = clampSize(current.l1MaxBytes / 2);
    const larger = clampSize(current.l1MaxBytes * 2);
    for (const size of [smaller, larger]) {
      sizeHitRates[size] ??= round(await simulateHitRate(window, policy, size, rate, sizeOf));
    }
    const here = hitRates[policy];
    if (larger > current.l1MaxBytes && (sizeHitRates[larger] ?? 0) - here >= MARGIN - 1e-9) {
      proposals["tiers.l1.maxBytes"] = larger;
    } else if (smaller < current.l1MaxBytes && here - (sizeHitRates[smaller] ?? 0) < SHRINK_TOLERANCE) {
      proposals["tiers.l1.maxBytes"] = smaller;
    }
  }
  return {
    at,
    window: window.length,
    rate,
    ...(options.seen === undefined ? {} : { seen: options.seen }),
    hitRates,
    recentHitRates,
    sizeHitRates,
    proposals,
    ...(decisive.length > 0 ? { decisive } : {}),
  };
}

/** A proposal waiting for its confirmations. */
export interface Pending {
  to: string | number;
  wins: number;
  /** `seen` at the first win, when known. */
  since?: number;
}

export interface Decision {
  at: number;
  setting: TunedSetting;
  from: string | number;
  to: string | number;
  evidence: {
    window: number;
    sampleRate: number;
    hitRates: Record<EvictionPolicyName, number>;
    sizeHitRates: Record<string, number>;
    margin: number;
    confirmations: number;
  };
}

/**
 * Hysteresis: a proposal counts a win when the last evaluation proposed the same value, and is
 * decided at {@link CONFIRMATIONS} wins at least {@link CONFIRM_SAMPLES} apart (at once when it won by
 * {@link DECISIVE_MARGIN}); any other outcome (no proposal, another value) starts over.
 */
export function decide(
  evaluation: Evaluation,
  current: TunedValues,
  pending: Partial<Record<TunedSetting, Pending>>,
): { decisions: Decision[]; pending: Partial<Record<TunedSetting, Pending>> } {
  const next: Partial<Record<TunedSetting, Pending>> = {};
  const decisions: Decision[] = [];
  for (const [setting, to] of Object.entries(evaluation.proposals) as Array<
    [TunedSetting, string | number]
  >) {
    const same = pending[setting]?.to === to;
    const wins = same ? (pending[setting]?.wins ?? 0) + 1 : 1;
    const since = same ? pending[setting]?.since : evaluation.seen;
    const apart = since === undefined || (evaluation.seen ?? since) - since >= CONFIRM_SAMPLES;
    if ((wins < CONFIRMATIONS || !apart) && !evaluation.decisive?.includes(setting)) {
      next[setting] = { to, wins, ...(since === undefined ? {} : { since }) };
      continue;
    }
    const from = setting === "evictionPolicy" ? current.evictionPolicy : current.l1MaxBytes;
    const { window, rate, hitRates, sizeHitRates } = evaluation;
    decisions.push({
      at: evaluation.at,
      setting,
      from,
      to,
      evidence: { window, sampleRate: rate, hitRates, sizeHitRates, margin: MARGIN, confirmations: wins },
    });
  }
  return { decisions, pending: next };
}

/** The config patch of some decisions: only {@link TUNABLE_FIELDS}, checked again at run time. */
export function patchOf(decisions: readonly Decision[]) {
  const patch: { evictionPolicy?: EvictionPolicyName; tiers?: { l1: { maxBytes: number } } } = {};
  for (const d of decisions) {
    if (d.setting === "evictionPolicy") patch.evictionPolicy = d.to as EvictionPolicyName;
    else patch.tiers = { l1: { maxBytes: Number(d.to) } };
  }
  const stray = Object.keys(patch).find((field) => !(TUNABLE_FIELDS as readonly string[]).includes(field));
  if (stray) throw new Error(`the tuner may not change ${stray}`);
  return patch;
}

/** Applies decisions to tuned values (what the config will say once the patch is stored). */
export function applied(current: TunedValues, decisions: readonly Decision[]): TunedValues {
  const patch = patchOf(decisions);
  return {
    evictionPolicy: patch.evictionPolicy ?? current.evictionPolicy,
    l1MaxBytes: patch.tiers?.l1.maxBytes ?? current.l1MaxBytes,
  };
}
