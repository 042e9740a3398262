/** @module Markdown table printing for evaluation reports. */

/** Renders rows as a GitHub-flavoured markdown table. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** `0.0123` -> `1.23%`. */
export function pct(x: number, digits = 2): string {
  return `${(x * 100).toFixed(digits)}%`;
}
