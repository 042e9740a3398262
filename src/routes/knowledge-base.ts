/** @module A knowledge base's question/answer entries warm the cache: each answer stored under its question's key. */
import type { Context } from "hono";
import type { CacheEntry } from "../cache/entry";
import { canonicalParams, exactKey } from "../cache/key";
import type { AppEnv } from "../context";
import { describeError } from "../errors";

/** One question and its answer. */
export interface KnowledgeEntry {
  question: string;
  answer: string;
  reasoning?: string;
}

/**
 * Stores each answer as the cache entry of its question asked alone (as `/v1/r1/chat` keys it), and
 * indexes the question for paraphrases (the verifier's rules still decide every semantic hit).
 */
export async function warmEntries(
  c: Context<AppEnv>,
  entries: readonly KnowledgeEntry[],
  model: string | undefined,
): Promise<{ stored: number; indexed: number }> {
  const namespace = c.get("namespace");
  const cache = c.get("cache");
  const ttl = c.get("config").defaultTtlSeconds;
  const layer = cache.semantic();
  let stored = 0;
  let indexed = 0;
  for (const item of entries) {
    const params = canonicalParams({ model, messages: [{ role: "user", content: item.question }] });
    const key = await exactKey(namespace, params);
    const createdAt = Date.now();
    const entry: CacheEntry = {
      v: 1,
      key,
      namespace,
      model: params.model,
      prompt: item.question,
      reasoning: item.reasoning ?? "",
      content: item.answer,
      reasoningFormat: "reasoning_content",
      finishReason: "stop",
      usage: null,
      upstream: "knowledge-base",
      createdAt,
      expiresAt: createdAt + ttl * 1000,
    };
    await cache.store(entry);
    stored++;
    try {
      const probe = await layer?.probe(namespace, params);
      if (layer && probe) {
        await layer.remember(key, probe);
        indexed++;
      }
    } catch (error) {
      // The answer is stored and serves exact repeats; paraphrases wait for a later index write.
      console.warn(`r1cache: knowledge-base question not indexed: ${describeError(error)}`);
    }
  }
  return { stored, indexed };
}
