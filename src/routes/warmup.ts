/**
 * @module `POST /admin/warmup`: fills the cache with the answers to a list of prompts for one tenant,
 * within a cap of upstream calls, and streams its progress as newline-delimited JSON: one line per
 * prompt (`cached`, `stored`, `failed` or `skipped` once the cap is spent), then a summary line.
 */
import { Hono } from "hono";
import { z } from "zod";
import { canonicalParams, exactKey } from "../cache/key";
import type { CacheService } from "../cache/service";
import type { AppEnv } from "../context";
import { CacheError, describeError } from "../errors";
import { validate } from "../validation";

/** Prompts one call may take. */
export const MAX_WARMUP_PROMPTS = 1000;
/** Prompts answered at once: enough to overlap upstream latency, few enough to stay polite. */
const CONCURRENCY = 4;

export const warmupSchema = z.object({
  namespace: z.string({ error: "is required: the tenant namespace to warm" }).min(1).max(256),
  prompts: z
    .array(z.string().min(1, "must not be empty").max(100_000), { error: "must be an array of strings" })
    .min(1, "must not be empty")
    .max(MAX_WARMUP_PROMPTS, `at most ${MAX_WARMUP_PROMPTS} prompts per call`),
  model: z.string().min(1).optional(),
  /** Upstream calls this warmup may make; prompts beyond it are reported `skipped`. @default 100 */
  max_upstream_calls: z.number().int().min(0).max(MAX_WARMUP_PROMPTS).default(100),
});

type Outcome = "cached" | "stored" | "failed" | "skipped";

export const warmup = new Hono<AppEnv>();

warmup.post("/", validate("json", warmupSchema), (c) => {
  const body = c.req.valid("json");
  const cache = c.get("cache");
  const counts: Record<Outcome, number> = { cached: 0, stored: 0, failed: 0, skipped: 0 };
  let calls = 0;
  let next = 0;
  const encoder = new TextEncoder();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const line = (value: unknown) => writer.write(encoder.encode(`${JSON.stringify(value)}\n`));

  const one = async (index: number): Promise<void> => {
    const prompt = body.prompts[index] as string;
    let outcome: Outcome;
    let error: string | undefined;
    try {
      outcome = await warmOne(cache, body.namespace, prompt, body.model, () => {
        if (calls >= body.max_upstream_calls) return false;
        calls++;
        return true;
      });
    } catch (e) {
      outcome = "failed";
      error = e instanceof CacheError ? e.message : describeError(e);
    }
    counts[outcome]++;
    const done = Object.values(counts).reduce((a, b) => a + b, 0);
    await line({ index, outcome, ...(error && { error }), done, total: body.prompts.length });
  };
  const worker = async () => {
    while (next < body.prompts.length) await one(next++);
  };
  c.executionCtx.waitUntil(
    (async () => {
      try {
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        await line({ summary: true, ...counts, upstream_calls: calls, total: body.prompts.length });
      } finally {
        await writer.close();
      }
    })(),
  );
  return new Response(readable, { headers: { "content-type": "application/x-ndjson; charset=utf-8" } });
});

/**
 * Answers one prompt through the cache like a client request would (exact lookup, then the upstream
 * through the coalescer, stored), but only calls the upstream when `mayCall` allows it.
 */
async function warmOne(
  cache: CacheService,
  namespace: string,
  prompt: string,
  model: string | undefined,
  mayCall: () => boolean,
): Promise<Outcome> {
  const params = canonicalParams({ model, messages: [{ role: "user", content: prompt }] });
  const key = await exactKey(namespace, params);
  const hit = await cache.chain.get(key);
  if (hit) return "cached";
  if (!mayCall()) return "skipped";
  const outcome = await cache.resolve({
    namespace,
    key,
    params,
    // Exact only: a warmup stores this prompt's own answer, never a paraphrase's.
    controls: { lookup: false, store: true, semantic: false },
  });
  if (outcome.status === "HIT") return "cached";
  await outcome.entry;
  return "stored";
}
