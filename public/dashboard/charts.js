/**
 * The dashboard's time series, drawn with uPlot (vendored in this folder, see scripts/vendor-uplot.mjs).
 * Colours come from the CSS variables of the current colour scheme; a scheme change redraws the charts.
 */
import { count, millis } from "./format.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const HEIGHT = 230;

/** @param {string} name */
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** The hourly rows on 48 hour slots ending with the current hour; missing hours are empty. */
function hourSlots(rows) {
  const byHour = new Map(rows.map((r) => [Date.parse(r.hour), r]));
  const last = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: 48 }, (_, i) => {
    const at = last - (47 - i) * HOUR_MS;
    return { at, row: byHour.get(at) };
  });
}

/** The daily rows on 31 day slots ending today (UTC days, as the worker sums them). */
function daySlots(rows) {
  const byDay = new Map(rows.map((r) => [Date.parse(`${r.day}T00:00:00Z`), r]));
  const last = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return Array.from({ length: 31 }, (_, i) => {
    const at = last - (30 - i) * DAY_MS;
    return { at, row: byDay.get(at) };
  });
}

const ratePercent = (row) => (row && row.hits + row.misses > 0 ? row.hit_rate * 100 : null);
/** Hours without a row had no traffic: no bar (a zero-height bar still draws its outline). */
const lookups = (row) => (row ? row.hits + row.misses : null);
/** JSON turns an overflowing percentile (Infinity) into null: no point rather than a wrong one. */
const orNull = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Hit rate and lookups per slot: the hourly and daily charts differ only in their slots. */
const hitRateChart = (slotsOf) => ({
  data: (stats) => {
    const slots = slotsOf(stats);
    return [
      slots.map((s) => s.at / 1000),
      slots.map((s) => ratePercent(s.row)),
      slots.map((s) => lookups(s.row)),
    ];
  },
  series: (c) => [rateSeries(c), barSeries("Lookups", "n", c.barHits, c.series1)],
  axes: (c) => [timeAxis(c), percentAxis(c), countAxis(c, "n")],
});

/** Each chart: its series and axes (given the palette) and how it reads `/admin/stats`. */
const CHARTS = {
  hourly: hitRateChart((stats) => hourSlots(stats.hit_rate_hourly ?? [])),
  daily: hitRateChart((stats) => daySlots(stats.hit_rate_daily ?? [])),
  latency: {
    data: (stats) => {
      const slots = hourSlots(stats.hit_rate_hourly ?? []);
      return [
        slots.map((s) => s.at / 1000),
        slots.map((s) => orNull(s.row?.p50_ms)),
        slots.map((s) => orNull(s.row?.p95_ms)),
        slots.map((s) => orNull(s.row?.p99_ms)),
      ];
    },
    series: (c) => [
      lineSeries("p50", "ms", c.series4, (v) => millis(v)),
      lineSeries("p95", "ms", c.series2, (v) => millis(v)),
      lineSeries("p99", "ms", c.series3, (v) => millis(v)),
    ],
    axes: (c) => [
      timeAxis(c),
      { ...valueAxis(c), scale: "ms", values: (_, vals) => vals.map((v) => millis(v)), size: 60 },
    ],
  },
  upstream: {
    data: (stats) => {
      const slots = hourSlots(stats.hit_rate_hourly ?? []);
      return [
        slots.map((s) => s.at / 1000),
        slots.map((s) => s.row?.upstream_calls ?? null),
        slots.map((s) => s.row?.tokens_saved ?? null),
      ];
    },
    series: (c) => [
      barSeries("Upstream calls", "calls", c.barMisses, c.series2),
      lineSeries("Tokens saved", "tokens", c.series4, (v) => count(v)),
    ],
    axes: (c) => [timeAxis(c), countAxis(c, "calls", 3), countAxis(c, "tokens", 1)],
  },
};

function lineSeries(label, scale, stroke, format) {
  return {
    label,
    scale,
    stroke,
    width: 2,
    spanGaps: false,
    // Sparse traffic is a few isolated hours: draw every point, or a lone hour would not show at all.
    points: { show: true, size: 5, fill: stroke },
    value: (_, v) => (v == null ? "–" : format(v)),
  };
}
function rateSeries(c) {
  return lineSeries("Hit rate", "%", c.series1, (v) => `${v.toFixed(1)}%`);
}
function barSeries(label, scale, fill, stroke) {
  return {
    label,
    scale,
    fill,
    stroke,
    width: 1,
    paths: uPlot.paths.bars({ size: [0.7, 40] }),
    points: { show: false },
    value: (_, v) => (v == null ? "–" : count(v)),
  };
}
function valueAxis(c) {
  return {
    stroke: c.muted,
    grid: { stroke: c.grid, width: 1 },
    ticks: { stroke: c.grid, width: 1 },
    font: "12px system-ui, sans-serif",
  };
}
function timeAxis(c) {
  return { ...valueAxis(c), grid: { show: false } };
}
function percentAxis(c) {
  return { ...valueAxis(c), scale: "%", values: (_, vals) => vals.map((v) => `${v}%`), size: 50 };
}
/** Whole-number steps for counts (uPlot would otherwise label 0.5 calls). */
const COUNT_STEPS = [1, 2, 5]
  .flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8].map((p) => m * p))
  .sort((a, b) => a - b);

/** A count axis on the right (side 1) or the left (side 3, with the grid). */
function countAxis(c, scale, side = 1) {
  return {
    ...valueAxis(c),
    scale,
    side,
    grid: { show: side === 3, stroke: c.grid, width: 1 },
    incrs: COUNT_STEPS,
    values: (_, vals) => vals.map((v) => count(v)),
    size: 50,
  };
}

function palette() {
  return {
    muted: cssVar("--muted"),
    grid: cssVar("--grid"),
    series1: cssVar("--series-1"),
    series2: cssVar("--series-2"),
    series3: cssVar("--series-3"),
    series4: cssVar("--series-4"),
    barHits: cssVar("--bar-hits"),
    barMisses: cssVar("--bar-misses"),
  };
}

/** Scales that start at zero; percent stays 0-100. */
/** Half a slot of room at each end, so the first and last bars are drawn whole. */
function paddedX(_, min, max) {
  const half = (max - min) / 2 / 47;
  return [min - half, max + half];
}

const scales = () => ({
  x: { time: true, range: paddedX },
  "%": { range: [0, 100] },
  n: { range: (_, __, max) => [0, Math.max(1, max)] },
  ms: { range: (_, __, max) => [0, Math.max(10, max)] },
  calls: { range: (_, __, max) => [0, Math.max(1, max)] },
  tokens: { range: (_, __, max) => [0, Math.max(1, max)] },
});

/**
 * Finds every `[data-chart]` element under `root` and keeps a uPlot chart in each.
 * @param {ParentNode} root
 */
export function createCharts(root) {
  /** @type {Map<HTMLElement, any>} */
  const charts = new Map();
  let last = null;

  const build = () => {
    for (const chart of charts.values()) chart.destroy();
    charts.clear();
    if (!last) return;
    const colours = palette();
    for (const target of root.querySelectorAll("[data-chart]")) {
      const def = CHARTS[target.dataset.chart];
      target.replaceChildren();
      const opts = {
        width: Math.max(200, target.clientWidth),
        height: HEIGHT,
        scales: scales(),
        series: [
          { value: (_, v) => (v == null ? "" : new Date(v * 1000).toLocaleString()) },
          ...def.series(colours),
        ],
        axes: def.axes(colours),
        cursor: { points: { size: 6 } },
        legend: { live: true },
      };
      charts.set(target, new uPlot(opts, def.data(last), target));
    }
  };

  const resize = new ResizeObserver((observed) => {
    for (const { target } of observed) {
      const chart = charts.get(/** @type {HTMLElement} */ (target));
      if (chart && target.clientWidth > 0) chart.setSize({ width: target.clientWidth, height: HEIGHT });
    }
  });
  for (const target of root.querySelectorAll("[data-chart]")) resize.observe(target);
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    build();
    mark();
  });

  /** Says on each chart how many of its values are neither empty nor zero (the browser test reads it). */
  const mark = () => {
    for (const [target, chart] of charts) {
      const points = chart.data
        .slice(1)
        .flat()
        .filter((v) => v != null && v !== 0).length;
      target.dataset.points = String(points);
    }
  };

  return {
    /** Redraws every chart with a new `/admin/stats` answer. */
    update(stats) {
      const first = last === null;
      last = stats;
      if (first || charts.size === 0) build();
      else for (const [target, chart] of charts) chart.setData(CHARTS[target.dataset.chart].data(stats));
      mark();
    },
  };
}
