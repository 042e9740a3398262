/**
 * The live dashboard: signs in with the admin token, then polls `/admin/stats`, `/admin/config` and
 * `/healthz` every few seconds and draws what they say. A 401 or 403 from the admin API signs out and
 * shows why. Everything is built with textContent: prompts and answers are user data.
 */
import { AuthError, admin, health, session } from "./api.js";
import { createCharts } from "./charts.js";
import { createExplorer } from "./explorer.js";
import { bytes, count, el, millis, percent } from "./format.js";

/** How often the numbers refresh. */
const POLL_MS = 5_000;
const TIERS = ["l1", "l2", "l3", "l4"];
const TIER_NAMES = { l1: "L1 memory", l2: "L2 KV", l3: "L3 D1", l4: "L4 R2" };

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const charts = createCharts($("app"));
const explorer = createExplorer({ onError: handleError, onDeleted: () => refresh() });
let timer;
let running = false;

function showLogin(message) {
  running = false;
  clearTimeout(timer);
  $("app").hidden = true;
  $("logout").hidden = true;
  $("scope").hidden = true;
  $("health").hidden = true;
  $("updated").textContent = "";
  $("login").hidden = false;
  const error = $("login-error");
  error.hidden = !message;
  error.textContent = message ?? "";
  /** @type {HTMLInputElement} */ ($("token")).focus();
}

function start() {
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  running = true;
  explorer.reset();
  explorer.search();
  refresh();
}

/** 401/403 anywhere: forget the token and ask again, saying why. */
function handleError(error) {
  if (error instanceof AuthError) {
    session.clear();
    showLogin(`The admin API refused the token (${error.status}): ${error.message}`);
    return true;
  }
  $("updated").textContent = `Update failed: ${error instanceof Error ? error.message : String(error)}`;
  $("updated").className = "bad-text";
  return false;
}

async function refresh() {
  if (!running) return;
  clearTimeout(timer);
  try {
    const [stats, config, live] = await Promise.all([
      admin("/admin/stats"),
      admin("/admin/config"),
      health(),
    ]);
    if (!running) return;
    render(stats, config, live);
    $("updated").textContent = `Updated ${new Date().toLocaleTimeString()} · every ${POLL_MS / 1000} s`;
    $("updated").className = "muted";
  } catch (error) {
    if (handleError(error)) return;
  }
  if (running) timer = setTimeout(refresh, POLL_MS);
}

function render(stats, config, live) {
  const lookups = stats.hits + stats.misses;
  $("t-hit-rate").textContent = percent(stats.hit_rate);
  $("t-lookups").textContent = `${count(stats.hits)} hits · ${count(stats.misses)} misses`;
  const latency = stats.latency_ms;
  $("t-latency").textContent = latency?.p95 == null ? "–" : millis(latency.p95);
  $("t-avg").textContent = latency
    ? `p50 ${millis(latency.p50)} · p99 ${millis(latency.p99)}`
    : `avg ${millis(stats.avg_response_time_ms)} (this isolate)`;
  $("t-upstream").textContent = count(stats.upstream_calls);
  $("t-upstream-errors").textContent =
    `${count(stats.upstream_errors)} errors · ${count(stats.coalesced)} coalesced`;
  $("t-tokens").textContent = count(stats.tokens_saved);
  $("t-semantic").textContent = `${count(stats.semantic_hits)} semantic hits (this isolate)`;
  $("t-compression").textContent = `${stats.compression_ratio.toFixed(2)}×`;
  $("t-size").textContent = `${bytes(stats.cache_size_bytes)} stored`;
  $("t-entries").textContent = count(stats.unique_entries);
  $("t-aliases").textContent = `${count(stats.aliases)} ${stats.aliases === 1 ? "alias" : "aliases"}`;

  renderAlerts(stats.alerts ?? []);
  renderHealth(stats, live, lookups);
  renderTiers(stats.tiers ?? {}, config.tiers ?? {});
  charts.update(stats);
}

function renderAlerts(alerts) {
  const list = $("alerts");
  if (alerts.length === 0) {
    list.replaceChildren(el("li", "No alerts: every check is within its threshold.", "none"));
    return;
  }
  list.replaceChildren(...alerts.map((a) => el("li", a.message)));
}

function renderHealth(stats, live, lookups) {
  const faults = TIERS.flatMap((t) => {
    const tier = stats.tiers?.[t];
    if (!tier || tier.errors + tier.timeouts === 0) return [];
    return [`${t.toUpperCase()}: ${tier.errors} errors, ${tier.timeouts} timeouts`];
  });
  const rows = [
    [
      "Worker",
      live.ok ? `up (/healthz in ${millis(live.ms)})` : "not answering /healthz",
      live.ok ? "ok-text" : "bad-text",
    ],
    [
      "Statistics",
      stats.scope === "global"
        ? "whole deployment (statistics shards)"
        : "this isolate only: the statistics shards did not answer",
      stats.scope === "global" ? "" : "warn-text",
    ],
    ["Tier faults", faults.length ? faults.join("; ") : "none", faults.length ? "bad-text" : ""],
    [
      "Semantic",
      [
        `mode ${stats.semantic?.mode ?? "off"}`,
        stats.semantic?.embedder && `embedder ${stats.semantic.embedder}`,
        stats.semantic?.calibration
          ? `calibration ${stats.semantic.calibration}`
          : "no calibration (rules only)",
      ]
        .filter(Boolean)
        .join(" · "),
      "",
    ],
    [
      "Errors",
      `${count(stats.coalescer_errors)} coalescer · ${count(stats.semantic_errors)} semantic · ${count(stats.corrupt_entries)} corrupt entries`,
      stats.coalescer_errors + stats.semantic_errors + stats.corrupt_entries > 0 ? "warn-text" : "",
    ],
    ["Traffic", `${count(lookups)} lookups · ${stats.qps.toFixed(2)} req/s (this isolate)`, ""],
  ];
  $("health-list").replaceChildren(
    ...rows.flatMap(([name, value, cls]) => [el("dt", name), el("dd", value, cls)]),
  );

  const alerts = stats.alerts?.length ?? 0;
  const badge = $("health");
  badge.hidden = false;
  if (!live.ok) {
    badge.textContent = "worker not answering";
    badge.className = "badge bad";
  } else if (alerts > 0 || faults.length > 0) {
    badge.textContent = alerts > 0 ? `${alerts} alert${alerts === 1 ? "" : "s"}` : "tier faults";
    badge.className = "badge warn";
  } else {
    badge.textContent = "healthy";
    badge.className = "badge ok";
  }
  const scope = $("scope");
  scope.hidden = false;
  scope.textContent = stats.scope === "global" ? "global statistics" : "isolate statistics";
  scope.className = `badge${stats.scope === "global" ? "" : " warn"}`;
}

/** Capacity of a tier from the config: bytes, or entries for KV; 0 means unlimited. */
function capacity(name, tierConfig, usage) {
  if (!tierConfig) return null;
  if (name === "l2")
    return tierConfig.maxEntries ? { used: usage.entries, of: tierConfig.maxEntries, unit: "entries" } : null;
  return tierConfig.maxBytes ? { used: usage.bytes, of: tierConfig.maxBytes, unit: "bytes" } : null;
}

function renderTiers(tiers, tierConfig) {
  const rows = TIERS.filter((t) => tiers[t]).map((t) => {
    const usage = tiers[t];
    const tr = el("tr");
    const cap = capacity(t, tierConfig[t], usage);
    const meter = el("div", null, "meter");
    if (cap) {
      const share = Math.min(1, cap.used / cap.of);
      const track = el("div", null, "track");
      const fill = el("div", null, share > 0.9 ? "fill high" : "fill");
      fill.style.width = `${(share * 100).toFixed(1)}%`;
      track.append(fill);
      meter.append(
        track,
        el("span", `${percent(share)} of ${cap.unit === "bytes" ? bytes(cap.of) : count(cap.of)}`),
      );
    } else {
      meter.append(el("span", "no limit set", "muted"));
    }
    const meterCell = el("td");
    meterCell.append(meter);
    tr.append(
      el("td", TIER_NAMES[t]),
      el("td", count(usage.entries)),
      el("td", bytes(Math.max(0, usage.bytes))),
      meterCell,
      el("td", count(usage.hits)),
      el("td", count(usage.errors), usage.errors > 0 ? "bad-text" : ""),
      el("td", count(usage.timeouts), usage.timeouts > 0 ? "warn-text" : ""),
    );
    return tr;
  });
  $("tiers").replaceChildren(...rows);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("token"));
  const token = input.value.trim();
  if (!token) return;
  try {
    await admin("/admin/stats", { token });
  } catch (error) {
    showLogin(
      error instanceof AuthError
        ? `The admin API refused the token (${error.status}): ${error.message}`
        : `Could not reach the admin API: ${error instanceof Error ? error.message : String(error)}`,
    );
    return;
  }
  session.save(token);
  input.value = "";
  start();
});

$("logout").addEventListener("click", () => {
  session.clear();
  showLogin();
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && running) refresh();
});

if (session.token()) start();
else showLogin();
