/**
 * @module Diagnostic behind BENCHMARKS.md "Offline eval vs the worker": does the worker see the same
 * similarities as the old Node eval did? Stores GPTCache's distinct origins in a fresh worker, asks
 * `POST /v1/r1/search` (k=5, threshold 0) for every paraphrase, and compares the candidates and their
 * similarities (workerd WASM encoder, int8 vectors in the Durable Object index) with float cosines of
 * the same texts embedded in Node (bench/eval/encoder.ts), and with those Node vectors int8-quantized
 * as the index does. Run: `npx tsx bench/eval/gap.ts` (about 4 minutes).
 */

import { cosineFactor, quantize } from "../../src/semantic/vectors/int8";
import { cosine } from "../../src/semantic/vectors/math";
import { loadGptCache } from "./data";
import { createUseEmbedder, embedCached } from "./encoder";
import { createClient } from "./http/client";
import { distinctOrigins, storeOrigins } from "./http/gptcache";
import { startWorker } from "./http/launch";
import { mapLimit } from "./http/pool";

const K = 5;
const GATE = 0.8;

interface Match {
  prompt: string;
  similarity: number;
}

/** Cosine of a float query with an int8-quantized candidate, as src/semantic/vectors/slices.ts scores it. */
function int8Cosine(query: Float32Array, candidate: Float32Array): number {
  const { codes } = quantize(candidate);
  let dot = 0;
  for (let i = 0; i < codes.length; i++) dot += (query[i] ?? 0) * (codes[i] ?? 0);
  return dot * cosineFactor(codes);
}

function stats(xs: number[]): string {
  const abs = xs.map(Math.abs).sort((a, b) => a - b);
  const mean = abs.reduce((s, x) => s + x, 0) / Math.max(1, abs.length);
  const p99 = abs[Math.floor(abs.length * 0.99)] ?? 0;
  return `n ${xs.length}, mean |d| ${mean.toExponential(2)}, p99 ${p99.toExponential(2)}, max ${(abs.at(-1) ?? 0).toExponential(2)}`;
}

async function workerMatches(): Promise<Match[][]> {
  const gpt = loadGptCache();
  const worker = await startWorker();
  try {
    const client = createClient(worker.base);
    await storeOrigins(client, gpt, "fresh", 4);
    await new Promise((r) => setTimeout(r, 2_000));
    return await mapLimit(gpt, 4, "search paraphrases", async (p) => {
      const response = await fetch(`${worker.base}/v1/r1/search`, {
        method: "POST",
        headers: { authorization: "Bearer dev-key", "content-type": "application/json" },
        body: JSON.stringify({ prompt: p.similar, k: K, threshold: 0 }),
      });
      if (!response.ok) throw new Error(`search: HTTP ${response.status}`);
      return ((await response.json()) as { matches: Match[] }).matches;
    });
  } finally {
    await worker.stop();
  }
}

async function main(): Promise<void> {
  const gpt = loadGptCache();
  const origins = distinctOrigins(gpt);
  const vectors = await embedCached(
    await createUseEmbedder(),
    [...origins, ...gpt.map((p) => p.similar)],
    "gap",
  );
  const vector = (t: string) => vectors.get(t) ?? new Float32Array();
  const found = await workerMatches();
  const total: number[] = [];
  const int8Only: number[] = [];
  const encoder: number[] = [];
  let sameTop1 = 0;
  let sameTop3 = 0;
  let gateFlips = 0;
  gpt.forEach((p, i) => {
    const q = vector(p.similar);
    const node = origins
      .map((o) => ({ prompt: o, similarity: cosine(q, vector(o)) }))
      .sort((a, b) => b.similarity - a.similarity);
    const worker = found[i] ?? [];
    for (const m of worker) {
      const float = cosine(q, vector(m.prompt));
      total.push(m.similarity - float);
      const quantized = int8Cosine(q, vector(m.prompt));
      int8Only.push(quantized - float);
      encoder.push(m.similarity - quantized);
      if (m.similarity >= GATE !== float >= GATE) gateFlips++;
    }
    if (worker[0]?.prompt === node[0]?.prompt) sameTop1++;
    else
      console.log(
        `top-1 differs: ${p.similar}\n  worker ${JSON.stringify(worker.slice(0, 2))}\n  node ${JSON.stringify(node.slice(0, 2))}`,
      );
    if (worker.slice(0, 3).every((m, j) => m.prompt === node[j]?.prompt)) sameTop3++;
  });
  console.log(
    `\nGPTCache, ${gpt.length} paraphrases against ${origins.length} origins, top-${K} of the worker:`,
  );
  console.log(`- same nearest origin as Node: ${sameTop1}; same top-3 in the same order: ${sameTop3}`);
  console.log(`- worker similarity - Node float cosine: ${stats(total)}`);
  console.log(`- of which int8 (Node vectors quantized as the index does): ${stats(int8Only)}`);
  console.log(`- the rest, workerd WASM vs Node encoder: ${stats(encoder)}`);
  console.log(`- candidates on different sides of the ${GATE} gate: ${gateFlips}`);
}

await main();
