/** @module Native API (the seed's CompleteR1CacheSystem over HTTP): /v1/r1/chat, /search, /context. */
import { Hono } from "hono";
import { requireClient } from "../auth";
import { parseControls } from "../cache/controls";
import { canonicalParams } from "../cache/key";
import type { AppEnv } from "../context";
import { createDocuments } from "../documents";
import { withContext } from "../documents/prompt";
import type { Source } from "../documents/retrieve";
import { CacheError, describeError } from "../errors";
import { primed, replayEntry } from "../format/events";
import type { UpstreamEvent } from "../upstream/types";
import { r1ChatSchema, r1SearchSchema, validate } from "../validation";
import { context } from "./context";
import { createRequestMemo, memoizedJson } from "./request-memo";
import {
  cacheHeaders,
  entryKey,
  limitBody,
  type ResolvedChat,
  resolveChat,
  sseResponse,
  withCache,
} from "./respond";

export const r1 = new Hono<AppEnv>();

function summary(resolved: ResolvedChat, sources: Source[] | undefined) {
  const { outcome } = resolved;
  const hit = outcome.status === "HIT";
  return {
    ...(sources && { sources }),
    cached: hit,
    match: hit ? outcome.match : null,
    tier: hit ? outcome.tier : null,
    similarity: hit ? outcome.similarity : null,
    ...(hit && outcome.reason && { reason: outcome.reason }),
    response_time_ms: Date.now() - resolved.startedAt,
    key: entryKey(resolved),
  };
}

const encoder = new TextEncoder();

/** SSE of `{reasoning}` / `{response}` deltas, then the summary, then `[DONE]`. */
function nativeStream(
  resolved: ResolvedChat,
  events: AsyncIterable<UpstreamEvent>,
  sources: Source[] | undefined,
): ReadableStream<Uint8Array> {
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, data: unknown) =>
    controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`));
  return new ReadableStream({
    async start(controller) {
      try {
        for await (const event of events) {
          if (event.type === "done")
            send(controller, {
              done: true,
              finish_reason: event.finishReason,
              ...summary(resolved, sources),
            });
          else if (event.reasoning) send(controller, { reasoning: event.reasoning });
          else if (event.content) send(controller, { response: event.content });
        }
        controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      } catch (error) {
        send(
          controller,
          error instanceof CacheError ? error.toJSON() : { error: { message: "upstream failed" } },
        );
      }
      controller.close();
    },
  });
}

// Bodies of /chat seen by the isolate, bounded by createRequestMemo's defaults (1,024 bodies, 4 MiB).
const chatMemo = createRequestMemo();

r1.post("/chat", requireClient, withCache, limitBody, memoizedJson(r1ChatSchema, chatMemo), async (c) => {
  const body = c.req.valid("json");
  let sources: Source[] | undefined;
  if (body.use_context) {
    sources = await createDocuments(c.env, c.get("namespace")).retrieve(body.prompt);
    // The key depends on the chunks retrieved now, not on the body: the memo's key would be stale.
    c.set("memo", undefined);
  }
  const resolved = await resolveChat(
    c,
    () => ({
      model: body.model,
      messages: withContext([{ role: "user", content: body.prompt }], sources ?? []),
      max_tokens: body.max_tokens,
    }),
    body.use_cache ? {} : { lookup: false, store: false },
  );
  const { outcome } = resolved;
  const stats = c.get("cache").stats;
  if (body.stream) {
    const events = outcome.status === "HIT" ? replayEntry(outcome.entry) : await primed(outcome.events);
    stats.recordResponse(Date.now() - resolved.startedAt, c.get("config").statistics);
    return sseResponse(resolved, nativeStream(resolved, events, sources));
  }
  const entry = outcome.status === "HIT" ? outcome.entry : await outcome.entry;
  stats.recordResponse(Date.now() - resolved.startedAt, c.get("config").statistics);
  return c.json(
    { response: entry.content, reasoning: entry.reasoning, ...summary(resolved, sources) },
    200,
    cacheHeaders(resolved),
  );
});

r1.post("/search", requireClient, withCache, limitBody, validate("json", r1SearchSchema), async (c) => {
  const body = c.req.valid("json");
  const controls = parseControls((name) => c.req.header(name));
  const requested = body.threshold ?? controls.threshold;
  const layer = c.get("cache").semantic();
  if (!layer) {
    throw new CacheError(
      "not_enabled",
      "semantic search needs an embedder: set EMBEDDINGS_BACKEND (see README)",
    );
  }
  const params = canonicalParams({ model: body.model, messages: [{ role: "user", content: body.prompt }] });
  let candidates: Awaited<ReturnType<typeof layer.candidates>> = [];
  try {
    const probe = await layer.probe(c.get("namespace"), params);
    if (probe) candidates = await layer.candidates(probe, requested, body.k);
  } catch (error) {
    // The embedder or the index failing is not the request's fault, and not a bug of ours: say so.
    throw new CacheError("unavailable", `semantic search is unavailable right now: ${describeError(error)}`, {
      retryable: true,
    });
  }
  return c.json({
    prompt: body.prompt,
    threshold: requested ?? c.get("config").semanticThreshold,
    ...(await layer.describe()),
    matches: candidates.map(({ key, prompt, similarity, source, verdict }) => ({
      key,
      prompt,
      similarity: similarity ?? null,
      source,
      verdict: verdict.accept ? "accept" : "reject",
      score: verdict.score,
      reason: verdict.reason,
    })),
  });
});
r1.route("/", context);
