/**
 * @module Copies uPlot (the pinned `uplot` devDependency) into public/dashboard/, where Workers static
 * assets serve it to the dashboard: no CDN, and the same bytes in `npm run dev`, the tests and
 * `wrangler deploy` without a build step. The copies are committed; `--check` (run by `npm run check`)
 * fails when they differ from the installed package, e.g. after bumping `uplot` without re-running
 * `npm run vendor:uplot`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.dirname(import.meta.dirname);
const source = path.join(root, "node_modules", "uplot");
const target = path.join(root, "public", "dashboard");
/** package file -> served file (flat: the worker serves /dashboard/<file>). */
const FILES = {
  "dist/uPlot.iife.min.js": "uplot.iife.min.js",
  "dist/uPlot.min.css": "uplot.min.css",
  LICENSE: "uplot.LICENSE.txt",
};

const check = process.argv.includes("--check");
const { version } = JSON.parse(readFileSync(path.join(source, "package.json"), "utf8"));
let stale = 0;
for (const [from, to] of Object.entries(FILES)) {
  const bytes = readFileSync(path.join(source, from));
  const dest = path.join(target, to);
  if (!check) {
    writeFileSync(dest, bytes);
    continue;
  }
  let current;
  try {
    current = readFileSync(dest);
  } catch {
    current = undefined;
  }
  if (!current?.equals(bytes)) {
    console.error(`public/dashboard/${to} is not uplot@${version}'s ${from}: run \`npm run vendor:uplot\``);
    stale++;
  }
}
if (stale > 0) process.exit(1);
console.log(
  check
    ? `uplot@${version} in public/dashboard/ is current`
    : `copied uplot@${version} into public/dashboard/`,
);
