/** @module OpenAI-compatible API: POST /v1/chat/completions (JSON and SSE) and GET /v1/models. */
import { Hono } from "hono";
import { requireClient } from "../auth";
import { DEFAULT_MODEL, lastUserPrompt } from "../cache/key";
import type { AppEnv } from "../context";
import { createDocuments } from "../documents";
import { citation, withContext } from "../documents/prompt";
import type { Source } from "../documents/retrieve";
import { primed, replayEntry } from "../format/events";
import { completionJson, completionStream } from "../format/openai";
import { chatCompletionSchema } from "../validation";
import { createRequestMemo, memoizedJson } from "./request-memo";
import { cacheHeaders, limitBody, resolveChat, sseResponse, withCache } from "./respond";

/** Models this endpoint answers for; any other name is passed through to the upstream as given. */
export const MODELS = [DEFAULT_MODEL, "deepseek-r1"] as const;

export const openai = new Hono<AppEnv>();

// Bodies of this route seen by the isolate, bounded by createRequestMemo's defaults (1,024 bodies, 4 MiB).
const chatMemo = createRequestMemo();

openai.get("/models", requireClient, (c) =>
  c.json({
    object: "list",
    data: MODELS.map((id) => ({ id, object: "model", created: 1737331200, owned_by: "r1-edge-cache" })),
  }),
);

openai.post(
  "/chat/completions",
  requireClient,
  withCache,
  limitBody,
  memoizedJson(chatCompletionSchema, chatMemo),
  async (c) => {
    const body = c.req.valid("json");
    let sources: Source[] | undefined;
    if (body.use_context) {
      sources = await createDocuments(c.env, c.get("namespace")).retrieve(lastUserPrompt(body.messages));
      // The key depends on the chunks retrieved now, not on the body: the memo's key would be stale.
      c.set("memo", undefined);
    }
    const resolved = await resolveChat(c, () => ({
      ...body,
      messages: sources ? withContext(body.messages, sources) : body.messages,
      max_tokens: body.max_tokens ?? body.max_completion_tokens,
    }));
    // The chunks the answer was built on, by citation id (the OpenAI body has no place for them).
    const sourceHeader = sources && { "x-r1cache-sources": sources.map(citation).join(", ") };
    const { outcome, key } = resolved;
    const meta = {
      id: `chatcmpl-${key.slice(0, 29)}`,
      model: body.model ?? DEFAULT_MODEL,
      created: Math.floor(Date.now() / 1000),
    };
    const stats = c.get("cache").stats;

    if (body.stream) {
      const hit = outcome.status === "HIT";
      const events = hit ? replayEntry(outcome.entry) : await primed(outcome.events);
      const format = hit ? outcome.entry.reasoningFormat : outcome.reasoningFormat;
      stats.recordResponse(Date.now() - resolved.startedAt, c.get("config").statistics);
      const stream = completionStream(meta, format, events, body.stream_options?.include_usage ?? false);
      const response = sseResponse(resolved, stream);
      if (sourceHeader) response.headers.set("x-r1cache-sources", sourceHeader["x-r1cache-sources"]);
      return response;
    }

    const entry = outcome.status === "HIT" ? outcome.entry : await outcome.entry;
    stats.recordResponse(Date.now() - resolved.startedAt, c.get("config").statistics);
    // What c.json would send, with the entry's part of the JSON rendered once per entry.
    return new Response(completionJson(meta, entry), {
      headers: { "Content-Type": "application/json", ...cacheHeaders(resolved), ...sourceHeader },
    });
  },
);
