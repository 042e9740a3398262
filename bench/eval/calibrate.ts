/**
 * @module `npm run calibrate`: fits the verifier's score for the embedder that will serve it.
 *
 * - `npm run calibrate` (no URL): the bundled offline encoder, in Node; same as `npm run eval:fit`
 *   (rewrites src/semantic/verifier/model/weights.ts and idf-table.ts).
 * - `ADMIN_TOKEN=... npm run calibrate -- --url https://your-cache.example`: a running worker (deployed,
 *   or `npm run dev`). Its own embedder embeds the fitting pairs (POST /admin/calibration/similarities,
 *   100 pairs per call), the trees are fitted here on those cosines with the bundled IDF table, and the
 *   result is stored in the worker's KV (PUT /admin/calibration) for that embedder model only.
 *
 * Fitting rows: ../shared/data/qqp-dev.jsonl rows 0-7,999 (bench/eval/data.ts); nothing else is read.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ruleVerdict } from "../../src/semantic/verifier/rules/rules";
import { FEATURE_NAMES } from "../../src/semantic/verifier/score/features";
import { defaultIdf } from "../../src/semantic/verifier/score/idf";
import { TEXT_NORMALISATION } from "../../src/semantic/verifier/text";
import { isFitRow, loadQqp, type QqpPair } from "./data";
import { dataChecksum, main as fitLocal, fitScore } from "./fit";
import { rowsWithSimilarity } from "./fit-rows";
import { createProgress } from "./progress";

const BATCH = 100;

interface Remote {
  url: string;
  token: string;
}

async function admin(remote: Remote, path: string, init: RequestInit): Promise<unknown> {
  const request = () =>
    fetch(new URL(path, remote.url), {
      ...init,
      headers: { authorization: `Bearer ${remote.token}`, "content-type": "application/json" },
    });
  // A kept-alive connection may have been closed while the trees were fitted: retry once on a fresh one.
  const res = await request().catch(() => request());
  const body = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

/**
 * Posts `pairs` to an admin route in batches of {@link BATCH} with a progress bar; returns the route's
 * model name and one number per pair (`field` of each answer), in order.
 */
async function scorePairsRemotely(
  remote: Remote,
  route: string,
  field: "similarities" | "scores",
  pairs: readonly QqpPair[],
): Promise<{ model: string; values: number[] }> {
  const values: number[] = [];
  let model = "";
  const progress = createProgress(`${route} on the worker`, pairs.length);
  for (let i = 0; i < pairs.length; i += BATCH) {
    const batch = pairs.slice(i, i + BATCH);
    const body = JSON.stringify({
      pairs: batch.map((p) => ({ a: p.a.slice(0, 4000), b: p.b.slice(0, 4000) })),
    });
    const res = (await admin(remote, route, { method: "POST", body })) as Record<string, unknown>;
    model = String(res.embedder ?? res.model ?? "");
    const got = (res[field] ?? []) as (number | null)[];
    for (const j of batch.keys()) values.push(got[j] ?? 0);
    progress.tick(batch.length);
  }
  progress.done();
  return { model, values };
}

/** Cosines of every pair under the worker's embedder, and that embedder's model name. */
async function remoteSimilarities(remote: Remote, pairs: readonly QqpPair[]) {
  const { model, values } = await scorePairsRemotely(
    remote,
    "/admin/calibration/similarities",
    "similarities",
    pairs,
  );
  return { embedder: model, similarities: new Map(pairs.map((p, i) => [p.row, values[i] ?? 0])) };
}

/** Similarities already fetched from this worker, kept in .cache/ so a failed fit does not re-embed. */
async function cachedSimilarities(remote: Remote, pairs: readonly QqpPair[]) {
  const file = path.join(".cache", `calibration-${new URL(remote.url).host.replace(/[^\w.-]/g, "_")}.json`);
  if (existsSync(file) && !process.argv.includes("--fresh")) {
    const saved = JSON.parse(readFileSync(file, "utf8")) as {
      embedder: string;
      similarities: [number, number][];
    };
    return { embedder: saved.embedder, similarities: new Map(saved.similarities) };
  }
  const fetched = await remoteSimilarities(remote, pairs);
  mkdirSync(".cache", { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({ embedder: fetched.embedder, similarities: [...fetched.similarities] }),
  );
  return fetched;
}

/** Share of the rule-accepted duplicates the reranker's cut keeps: it should refuse little that is right. */
const RERANKER_KEEP = 0.95;

/**
 * The reranker's cut: scores of the fitting pairs the rules accept (the only ones it ever sees), cut so
 * it keeps {@link RERANKER_KEEP} of the duplicates; prints what the cut does to false hits.
 */
async function rerankerCut(remote: Remote, pairs: readonly QqpPair[]) {
  const accepted = pairs.filter((p) => ruleVerdict(p.a, p.b).verdict === "accept");
  const { model, values } = await scorePairsRemotely(remote, "/admin/calibration/rerank", "scores", accepted);
  const scored = accepted.map((p, i) => ({ duplicate: p.duplicate, score: values[i] ?? 0 }));
  const dupScores = scored
    .filter((s) => s.duplicate)
    .map((s) => s.score)
    .sort((a, b) => a - b);
  const minScore = dupScores[Math.floor((1 - RERANKER_KEEP) * dupScores.length)] ?? 0;
  const nonDup = scored.filter((s) => !s.duplicate);
  const kept = nonDup.filter((s) => s.score >= minScore).length;
  console.error(
    `reranker ${model}: cut ${minScore.toFixed(4)} keeps ${kept} of ${nonDup.length} rule-accepted non-duplicates`,
  );
  return { model, minScore };
}

async function calibrateRemote(remote: Remote): Promise<void> {
  const pairs = loadQqp().filter((p) => isFitRow(p.row));
  const { embedder, similarities } = await cachedSimilarities(remote, pairs);
  console.error(`fitting on ${pairs.length} pairs embedded by ${embedder}`);
  // The worker computes features with its bundled IDF table, so the fit must too.
  const rows = rowsWithSimilarity(pairs, (p) => similarities.get(p.row) ?? 0, defaultIdf());
  const { model, strictMinScore } = fitScore(rows);
  const reranker = process.argv.includes("--reranker") ? await rerankerCut(remote, pairs) : undefined;
  const calibration = {
    embedder,
    features: [...FEATURE_NAMES],
    normalisation: TEXT_NORMALISATION,
    model,
    strictMinScore,
    source: { data: "qqp-dev.jsonl rows 0-7,999", sha256: dataChecksum(pairs), pairs: rows.length },
    ...(reranker ? { reranker } : {}),
  };
  const stored = await admin(remote, "/admin/calibration", {
    method: "PUT",
    body: JSON.stringify(calibration),
  });
  console.log(JSON.stringify(stored));
}

const args = process.argv.slice(2);
const url = args[args.indexOf("--url") + 1];
if (args.includes("--url") && url) {
  const token = process.env.ADMIN_TOKEN ?? process.env.R1CACHE_ADMIN_TOKEN;
  if (!token) throw new Error("set ADMIN_TOKEN (the worker's admin token) in the environment");
  await calibrateRemote({ url, token });
} else {
  await fitLocal();
}
