/**
 * @module Alerts: the checks `config.alerts` configures, judged on the deployment's last two hours
 * (and, for tiers, this isolate's fault counters). Shown in `/admin/stats`, `/admin/metrics` and the
 * dashboard; nothing is sent anywhere (scrape `/admin/metrics` to page someone).
 */
import type { CacheStats } from "../cache/stats";
import type { CacheConfig } from "../config";
import { TIER_NAMES, type TierName } from "../tiers/types";

export type AlertName = "hit_rate" | "upstream_errors" | "latency" | "tier";

export interface Alert {
  name: AlertName;
  message: string;
  value: number;
  threshold: number;
  tier?: TierName;
}

/** What the checks look at. */
export interface AlertInputs {
  hits: number;
  misses: number;
  upstreamCalls: number;
  upstreamErrors: number;
  p95Ms: number | null;
  tierErrors: Record<TierName, number>;
}

export const ALERT_NAMES: readonly AlertName[] = ["hit_rate", "upstream_errors", "latency", "tier"];

export function evaluateAlerts(rules: CacheConfig["alerts"], inputs: AlertInputs): Alert[] {
  const alerts: Alert[] = [];
  const lookups = inputs.hits + inputs.misses;
  if (lookups >= rules.minLookups) {
    const hitRate = inputs.hits / lookups;
    if (rules.minHitRate > 0 && hitRate < rules.minHitRate) {
      alerts.push({
        name: "hit_rate",
        message: `hit rate ${(hitRate * 100).toFixed(1)}% over the last two hours is below ${(rules.minHitRate * 100).toFixed(1)}%`,
        value: hitRate,
        threshold: rules.minHitRate,
      });
    }
    if (rules.maxP95Ms > 0 && inputs.p95Ms !== null && inputs.p95Ms > rules.maxP95Ms) {
      alerts.push({
        name: "latency",
        message: `p95 response time ${inputs.p95Ms} ms is above ${rules.maxP95Ms} ms`,
        value: inputs.p95Ms,
        threshold: rules.maxP95Ms,
      });
    }
  }
  if (rules.maxUpstreamErrorRate > 0 && inputs.upstreamCalls > 0) {
    const rate = inputs.upstreamErrors / inputs.upstreamCalls;
    if (rate > rules.maxUpstreamErrorRate) {
      alerts.push({
        name: "upstream_errors",
        message: `${inputs.upstreamErrors} of ${inputs.upstreamCalls} upstream calls failed in the last two hours`,
        value: rate,
        threshold: rules.maxUpstreamErrorRate,
      });
    }
  }
  if (rules.tierErrors > 0) {
    for (const tier of TIER_NAMES) {
      const errors = inputs.tierErrors[tier];
      if (errors >= rules.tierErrors) {
        alerts.push({
          name: "tier",
          tier,
          message: `tier ${tier} failed ${errors} times in this isolate (reads and writes skip it)`,
          value: errors,
          threshold: rules.tierErrors,
        });
      }
    }
  }
  return alerts;
}

/** The alerts of now: the deployment's last two hours when known, else this isolate's counters. */
export function currentAlerts(
  rules: CacheConfig["alerts"],
  recent: Omit<AlertInputs, "tierErrors"> | undefined,
  stats: CacheStats,
): Alert[] {
  const counts = recent ?? {
    hits: stats.hitCount,
    misses: stats.misses,
    upstreamCalls: stats.upstreamCalls,
    upstreamErrors: stats.upstreamErrors,
    p95Ms: null,
  };
  return evaluateAlerts(rules, { ...counts, tierErrors: stats.tierErrors });
}
