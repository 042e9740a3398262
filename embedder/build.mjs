/** @module Bundles embedder/ with wrangler (no deploy) for the tests, which run it as an auxiliary worker. */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const root = path.dirname(here);

/** Name of the embedder worker, as in embedder/wrangler.jsonc. */
export const EMBEDDER_NAME = "r1-edge-embedder";

function newestInput() {
  const files = readdirSync(path.join(here, "src")).map((f) => path.join(here, "src", f));
  files.push(path.join(here, "wrangler.jsonc"), path.join(root, "package-lock.json"));
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

/**
 * Writes the bundle (index.js plus the .wasm and weight modules) to `outdir` with
 * `wrangler deploy --dry-run`, unless it is newer than every input. Returns the entry's path.
 */
export function buildEmbedder(outdir = path.join(root, ".wrangler", "embedder-dist")) {
  const entry = path.join(outdir, "index.js");
  if (existsSync(entry) && statSync(entry).mtimeMs > newestInput()) return entry;
  const wrangler = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [wrangler, "deploy", "--dry-run", "--outdir", outdir, "-c", path.join(here, "wrangler.jsonc")];
  execFileSync(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_HIDE_BANNER: "true" },
  });
  return entry;
}

/** Miniflare options that run the bundle as the `r1-edge-embedder` worker. */
export function embedderWorkerOptions(entry = buildEmbedder()) {
  return {
    name: EMBEDDER_NAME,
    modules: true,
    scriptPath: entry,
    compatibilityDate: "2026-04-20",
    modulesRules: [
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "Data", include: ["**/*group1-shard*"] },
    ],
  };
}
