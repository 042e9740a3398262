import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import { createLexicalEmbedder } from "../../src/semantic/embedders/lexical";
import { createOpenAIEmbedder } from "../../src/semantic/embedders/openai";
import { createServiceEmbedder, type EmbedderService } from "../../src/semantic/embedders/service";
import { createWorkersAiEmbedder } from "../../src/semantic/embedders/workers-ai";
import { testEmbedder } from "./embedder-contract";

const BATCH = 2;

/**
 * What the fake remote models answer: a deterministic vector per text (the lexical hasher's), scaled
 * so that it is not unit-norm, which the client must fix.
 */
async function remoteRows(texts: string[], dimensions: number): Promise<number[][]> {
  const vectors = await createLexicalEmbedder({ dimensions }).embed(texts);
  return vectors.map((v) => Array.from(v, (x) => x * 3));
}

/** Records the size of every call a fake backend receives. */
function recorder() {
  const sizes: number[] = [];
  return { record: (n: number) => sizes.push(n), batches: () => [...sizes] };
}

testEmbedder("lexical (deterministic hasher)", () => ({
  embedder: createLexicalEmbedder({ dimensions: 64 }),
  batchSize: BATCH,
}));

testEmbedder("service (fake EMBEDDER binding)", () => {
  const { record, batches } = recorder();
  const binding: EmbedderService = {
    embed: async (texts) => {
      record(texts.length);
      return remoteRows(texts, 64);
    },
  };
  return {
    embedder: createServiceEmbedder(binding, { model: "fake-encoder", dimensions: 64, batchSize: BATCH }),
    batches,
    batchSize: BATCH,
  };
});

// The bundled offline encoder itself (vitest.config.ts binds it as EMBEDDER, as `npm run dev` does).
testEmbedder("service (the bundled offline encoder)", () => {
  const real = (env as Env).EMBEDDER;
  if (!real) throw new Error("vitest.config.ts should bind EMBEDDER");
  const { record, batches } = recorder();
  const binding: EmbedderService = {
    embed: (texts) => {
      record(texts.length);
      return real.embed(texts);
    },
  };
  return { embedder: createServiceEmbedder(binding, { batchSize: BATCH }), batches, batchSize: BATCH };
});

testEmbedder("openai (fake /embeddings endpoint)", () => {
  const { record, batches } = recorder();
  const fetch = (async (_url: string, init: RequestInit = {}) => {
    const { input } = JSON.parse(String(init.body)) as { input: string[] };
    record(input.length);
    const rows = await remoteRows(input, 64);
    // Servers may answer out of order; `index` says whose vector it is.
    const data = rows.map((embedding, index) => ({ object: "embedding", index, embedding })).reverse();
    return Response.json({ object: "list", data, model: "fake" });
  }) as typeof globalThis.fetch;
  const embedder = createOpenAIEmbedder({
    baseUrl: "https://embeddings.example/v1",
    model: "fake-embedding-model",
    dimensions: 64,
    batchSize: BATCH,
    fetch,
  });
  return { embedder, batches, batchSize: BATCH };
});

testEmbedder("workers-ai (fake AI binding)", () => {
  const { record, batches } = recorder();
  const ai = {
    run: async (_model: string, inputs: { text: string[] }) => {
      record(inputs.text.length);
      const data = await remoteRows(inputs.text, 384);
      return { shape: [data.length, 384], data, pooling: "cls" };
    },
  } as unknown as Ai;
  const embedder = createWorkersAiEmbedder(ai, { model: "@cf/baai/bge-small-en-v1.5", batchSize: BATCH });
  return { embedder, batches, batchSize: BATCH };
});
