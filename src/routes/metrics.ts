/**
 * @module `GET /admin/metrics`: the counters in Prometheus text exposition format (counters, gauges and
 * a response-time histogram, each with `# HELP` and `# TYPE`), for a scraper holding the admin token.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { prefetchStatus } from "../prefetch/status";
import { ALERT_NAMES, currentAlerts } from "../stats/alerts";
import { LATENCY_BOUNDS_MS } from "../stats/batch";
import { globalStats } from "../stats/global";
import { TIER_NAMES } from "../tiers/types";

type Sample = readonly [labels: Record<string, string>, value: number];

/** Escapes a label value: backslash, double quote and newline. */
const escapeLabel = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function family(name: string, type: "counter" | "gauge", help: string, samples: Sample[]) {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${value}`);
  }
  return lines.join("\n");
}

/** The Prometheus text of this isolate's counters and the tiers' current occupancy. */
export async function metricsText(c: Context<AppEnv>): Promise<string> {
  const { stats, chain, aliases } = c.get("cache");
  const perTier = (values: Record<string, number>): Sample[] =>
    TIER_NAMES.map((tier) => [{ tier }, values[tier] ?? 0] as const);
  const usage: Record<string, { entries: number; bytes: number }> = {};
  for (const tier of chain.tiers) {
    usage[tier.name] = (await tier.usage?.().catch(() => undefined)) ?? { entries: 0, bytes: 0 };
  }
  const global = c.env.STATS ? await globalStats(c.env.STATS).catch(() => undefined) : undefined;
  const alerts = currentAlerts(c.get("config").alerts, global?.recent, stats);
  const prefetch = await prefetchStatus(c.env, c.get("config")).catch(() => undefined);
  let cumulative = 0;
  const buckets: Sample[] = LATENCY_BOUNDS_MS.map((bound, i) => {
    cumulative += stats.latencyBuckets[i] ?? 0;
    return [{ le: String(bound / 1000) }, cumulative] as const;
  });
  buckets.push([{ le: "+Inf" }, stats.requests]);
  const histogram = [
    "# HELP r1cache_response_seconds Time from request to response headers of chat requests.",
    "# TYPE r1cache_response_seconds histogram",
    ...buckets.map(([labels, value]) => `r1cache_response_seconds_bucket{le="${labels.le}"} ${value}`),
    `r1cache_response_seconds_sum ${stats.responseTimeTotalMs / 1000}`,
    `r1cache_response_seconds_count ${stats.requests}`,
  ].join("\n");
  const families = [
    family("r1cache_hits_total", "counter", "Chat requests answered from a tier.", perTier(stats.hits)),
    family("r1cache_semantic_hits_total", "counter", "Hits served for a verified paraphrase.", [
      [{}, stats.semanticHits],
    ]),
    family("r1cache_misses_total", "counter", "Lookups that found nothing and led an upstream call.", [
      [{}, stats.misses],
    ]),
    family("r1cache_coalesced_total", "counter", "Misses that joined another request's upstream call.", [
      [{}, stats.coalesced],
    ]),
    family("r1cache_upstream_calls_total", "counter", "Calls to the R1 upstream.", [
      [{}, stats.upstreamCalls],
    ]),
    family("r1cache_upstream_errors_total", "counter", "Upstream calls that failed.", [
      [{}, stats.upstreamErrors],
    ]),
    family("r1cache_coalescer_errors_total", "counter", "Misses that could not reach their coalescer.", [
      [{}, stats.coalescerErrors],
    ]),
    family(
      "r1cache_tier_errors_total",
      "counter",
      "Tier reads or writes that failed or timed out.",
      perTier(stats.tierErrors),
    ),
    family(
      "r1cache_tier_timeouts_total",
      "counter",
      "Tier reads abandoned at their deadline.",
      perTier(stats.tierTimeouts),
    ),
    family("r1cache_corrupt_entries_total", "counter", "Stored copies that failed their checksum.", [
      [{}, stats.corruptEntries],
    ]),
    family("r1cache_semantic_errors_total", "counter", "Semantic lookups that failed open.", [
      [{}, stats.semanticErrors],
    ]),
    family("r1cache_tokens_saved_total", "counter", "Completion tokens served from the cache.", [
      [{}, stats.tokensSaved],
    ]),
    family("r1cache_stored_bytes_total", "counter", "Bytes stored, as stored (compressed).", [
      [{}, stats.storedBytes],
    ]),
    family("r1cache_stored_plain_bytes_total", "counter", "Bytes stored, before compression.", [
      [{}, stats.storedPlainBytes],
    ]),
    family(
      "r1cache_tier_entries",
      "gauge",
      "Entries a tier holds (KV and R2 counts stop at 50,000).",
      TIER_NAMES.map((tier) => [{ tier }, usage[tier]?.entries ?? 0] as const),
    ),
    family(
      "r1cache_tier_bytes",
      "gauge",
      "Bytes a tier holds.",
      TIER_NAMES.map((tier) => [{ tier }, usage[tier]?.bytes ?? 0] as const),
    ),
    family("r1cache_aliases", "gauge", "Paraphrases stored as aliases of an entry.", [
      [{}, await aliases.count().catch(() => 0)],
    ]),
    family("r1cache_prefetched_total", "counter", "Entries prefetched (deployment-wide).", [
      [{}, prefetch?.prefetched ?? 0],
    ]),
    family("r1cache_prefetch_hits_total", "counter", "Prefetched entries a client later hit.", [
      [{}, prefetch?.hits ?? 0],
    ]),
    family(
      "r1cache_prefetch_precision",
      "gauge",
      "Prefetched entries later hit / prefetched (0 before any).",
      [[{}, prefetch?.precision ?? 0]],
    ),
    family("r1cache_prefetch_calls_last_hour", "gauge", "Upstream calls prefetch spent in the last hour.", [
      [{}, prefetch?.calls_last_hour ?? 0],
    ]),
    family(
      "r1cache_prefetch_upstream_calls_total",
      "counter",
      "Upstream calls this isolate made to prefetch.",
      [[{}, stats.prefetches]],
    ),
    family("r1cache_uptime_seconds", "gauge", "Seconds since this isolate's counters started.", [
      [{}, Math.round((Date.now() - stats.startedAt) / 1000)],
    ]),
    family(
      "r1cache_alert",
      "gauge",
      "1 while an alert of config.alerts holds (hit rate, upstream errors, latency, a failing tier).",
      ALERT_NAMES.map((name) => [{ name }, alerts.some((a) => a.name === name) ? 1 : 0] as const),
    ),
    histogram,
  ];
  return `${families.join("\n")}\n`;
}
