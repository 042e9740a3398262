/**
 * A bench-only worker beside the bundled cache (see lexical.mjs): it stands in for the offline encoder
 * (the `Encoder` entrypoint answers the EMBEDDER binding with the deterministic lexical hasher, so an
 * embedding costs microseconds, not the model's 30 ms of noise), fills a namespace's VectorShard
 * directly, and times nothing itself: every latency is measured by Node around fetch().
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { canonicalParams } from "../src/cache/key";
import { createLexicalEmbedder } from "../src/semantic/embedders/lexical";
import { LOCAL_EMBEDDER_DIMENSIONS, LOCAL_EMBEDDER_MODEL } from "../src/semantic/embedders/service";
import { semanticScope } from "../src/semantic/fingerprint";

const hasher = createLexicalEmbedder({ dimensions: LOCAL_EMBEDDER_DIMENSIONS });

/** The EMBEDDER service the cache calls (same RPC surface as embedder/src/index.ts). */
export class Encoder extends WorkerEntrypoint {
  async embed(texts) {
    return (await hasher.embed(texts)).map((v) => Array.from(v));
  }
}

const BATCH = 500;

/** Upserts `questions` into the namespace's shard as the cache would store them. */
async function fill(env, namespace, questions, firstCreatedAt) {
  const shard = env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(namespace));
  const options = { maxVectors: 50_000, maxLexical: 50_000 };
  for (let i = 0; i < questions.length; i += BATCH) {
    const batch = questions.slice(i, i + BATCH);
    const vectors = await hasher.embed(batch);
    const records = await Promise.all(
      batch.map(async (text, j) => {
        const params = canonicalParams({ messages: [{ role: "user", content: text }] });
        const { fingerprint } = await semanticScope(params, LOCAL_EMBEDDER_MODEL);
        const id = `bench-${firstCreatedAt + i + j}`;
        return { id, vector: vectors[j], namespace, fingerprint, text, createdAt: firstCreatedAt + i + j };
      }),
    );
    await shard.upsert(records, options);
  }
  return shard.count();
}

/** The shard's own answer to one probe: `op` is `query` (vectors) or `lexical` (words). */
async function probe(env, namespace, op, text) {
  const shard = env.VECTOR_SHARDS.get(env.VECTOR_SHARDS.idFromName(namespace));
  const params = canonicalParams({ messages: [{ role: "user", content: text }] });
  const { fingerprint } = await semanticScope(params, LOCAL_EMBEDDER_MODEL);
  const [vector] = await hasher.embed([text]);
  const q = { vector, namespace, fingerprint, text, topK: 3 };
  return op === "lexical" ? shard.lexical(q) : shard.query(q);
}

export default {
  async fetch(request, env) {
    const body = await request.json();
    const url = new URL(request.url);
    if (url.pathname === "/fill") {
      return Response.json({ count: await fill(env, body.namespace, body.questions, body.firstCreatedAt) });
    }
    const matches = await probe(env, body.namespace, body.op, body.text);
    return Response.json({ matches: matches.length });
  },
};
