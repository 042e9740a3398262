/** Number, size and time formatting for the dashboard. */

const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat();

/** @param {number | null | undefined} n */
export const count = (n) => (n == null ? "–" : n >= 10_000 ? compact.format(n) : whole.format(n));

/** @param {number | null | undefined} ratio 0-1 */
export const percent = (ratio) => (ratio == null ? "–" : `${(ratio * 100).toFixed(1)}%`);

/** @param {number | null | undefined} ms */
export function millis(ms) {
  if (ms == null) return "–";
  if (!Number.isFinite(ms)) return "slower than the last bucket";
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${Math.round(ms)} ms`;
}

/** @param {number | null | undefined} n */
export function bytes(n) {
  if (n == null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** @param {number | null | undefined} epochMs */
export function ago(epochMs) {
  if (!epochMs) return "never";
  const seconds = Math.round((epochMs - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86_400), "day");
}

/** @param {number | null | undefined} epochMs */
export const dateTime = (epochMs) => (epochMs ? new Date(epochMs).toLocaleString() : "–");

/**
 * An element with text content (never HTML: prompts and answers are user data).
 * @param {string} tag @param {string | null} [text] @param {string} [className]
 */
export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text != null) node.textContent = text;
  if (className) node.className = className;
  return node;
}
