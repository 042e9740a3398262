/**
 * @module Context expansion routes: POST/GET /v1/r1/context, DELETE /v1/r1/context/:id and
 * POST /v1/r1/knowledge-base. A document comes as JSON `{text, context_id?}` or, for large ones, as a
 * streamed `text/plain` body (options in the query string), chunked and stored as it is read.
 */
import { Hono } from "hono";
import type { z } from "zod";
import { requireClient } from "../auth";
import type { AppEnv } from "../context";
import { createDocuments } from "../documents";
import {
  type IngestOptions,
  type IngestProgress,
  type IngestResult,
  ingestDocument,
} from "../documents/ingest";
import { checkDocument, MAX_DOCUMENT_BYTES, parseJsonBody, readBytes, readText } from "../documents/source";
import { badRequest, CacheError, describeError } from "../errors";
import {
  contextOptionsSchema,
  contextSchema,
  contextSearchSchema,
  fieldName,
  knowledgeBaseSchema,
  validate,
} from "../validation";
import { warmEntries } from "./knowledge-base";
import { withCache } from "./respond";

export const context = new Hono<AppEnv>();

/** JSON bodies carry the document escaped: room for the escapes and the other fields. */
const MAX_JSON_BYTES = MAX_DOCUMENT_BYTES + MAX_DOCUMENT_BYTES / 8;

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw badRequest(fieldName(issue?.path ?? []), issue?.message ?? "invalid");
  }
  return result.data;
}

function checkLength(header: string | undefined, max: number, field: string): void {
  if (header !== undefined && Number(header) > max) {
    throw new CacheError("payload_too_large", `${field}: the document is larger than ${max} bytes`, {
      field,
    });
  }
}

/** NDJSON: a line per stored batch, then the result (or `{error}`: the status is sent before the end). */
function progressStream(run: (onProgress: (p: IngestProgress) => Promise<void>) => Promise<IngestResult>) {
  const encoder = new TextEncoder();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const line = (value: unknown) => writer.write(encoder.encode(`${JSON.stringify(value)}\n`));
  const done = (async () => {
    try {
      await line({ done: true, ...(await run((p) => line({ progress: true, ...p }))) });
    } catch (error) {
      const body =
        error instanceof CacheError ? error.toJSON() : { error: { message: describeError(error) } };
      await line({ done: true, ...body, status: error instanceof CacheError ? error.status : 500 });
    } finally {
      await writer.close();
    }
  })();
  return {
    response: new Response(readable, { headers: { "content-type": "application/x-ndjson; charset=utf-8" } }),
    done,
  };
}

context.post("/context", requireClient, async (c) => {
  const namespace = c.get("namespace");
  const type = c.req.header("content-type") ?? "";
  const query = parse(contextOptionsSchema, c.req.query());
  const wantsProgress =
    query.progress === "1" || query.progress === "true" || (c.req.header("accept") ?? "").includes("ndjson");
  let contextId: string;
  let options: IngestOptions;
  let pieces: AsyncIterable<string> | Iterable<string>;
  if (type.startsWith("application/json")) {
    checkLength(c.req.header("content-length"), MAX_JSON_BYTES, "body");
    const body = parse(contextSchema, parseJsonBody(await readBytes(c.req.raw.body, MAX_JSON_BYTES)));
    checkDocument(body.text, "text");
    contextId = body.context_id ?? query.context_id ?? `ctx-${crypto.randomUUID()}`;
    options = {
      maxTokens: body.chunk_tokens ?? query.chunk_tokens,
      overlapTokens: body.overlap_tokens ?? query.overlap_tokens,
    };
    pieces = [body.text.replace(/^\uFEFF/, "")];
  } else if (type.startsWith("text/") || type.startsWith("application/octet-stream")) {
    checkLength(c.req.header("content-length"), MAX_DOCUMENT_BYTES, "text");
    if (!c.req.raw.body) throw badRequest("text", "is empty");
    const read = { bytes: 0 };
    contextId = query.context_id ?? `ctx-${crypto.randomUUID()}`;
    options = {
      maxTokens: query.chunk_tokens,
      overlapTokens: query.overlap_tokens,
      bytesRead: () => read.bytes,
    };
    pieces = readText(c.req.raw.body, read);
  } else {
    throw badRequest(
      "content-type",
      "must be application/json ({text, context_id?}) or text/plain (the document)",
    );
  }
  const { store } = createDocuments(c.env, namespace);
  if (!wantsProgress) return c.json(await ingestDocument(store, contextId, pieces, options));
  const { response, done } = progressStream((onProgress) =>
    ingestDocument(store, contextId, pieces, { ...options, onProgress }),
  );
  c.executionCtx.waitUntil(done);
  return response;
});

context.post("/context/search", requireClient, validate("json", contextSearchSchema), async (c) => {
  const body = c.req.valid("json");
  const documents = createDocuments(c.env, c.get("namespace"));
  const sources = await documents.retrieve(body.prompt, { maxChunks: body.k, maxTokens: body.max_tokens });
  return c.json({ prompt: body.prompt, sources });
});

context.get("/context", requireClient, async (c) => {
  const { store } = createDocuments(c.env, c.get("namespace"));
  const [rows, usage] = await Promise.all([store.list(), store.usage()]);
  return c.json({
    contexts: rows.map((row) => ({
      context_id: row.id,
      bytes: row.bytes,
      chars: row.chars,
      tokens: row.tokens,
      chunks: row.chunks,
      checksum: row.checksum,
      created_at: new Date(row.createdAt).toISOString(),
      updated_at: new Date(row.updatedAt).toISOString(),
    })),
    total_bytes: rows.reduce((sum, row) => sum + row.bytes, 0),
    unique_chunks: usage.chunks,
    // Each distinct chunk once: its text, and as stored in R2 (compressed).
    chunk_bytes: usage.bytes,
    stored_bytes: usage.storedBytes,
  });
});

context.delete("/context/:id", requireClient, async (c) => {
  const id = c.req.param("id");
  const { store } = createDocuments(c.env, c.get("namespace"));
  const removed = await store.remove(id);
  if (!removed)
    throw new CacheError("not_found", `context_id: no document ${id} in this namespace`, {
      field: "context_id",
    });
  return c.json({
    deleted: true,
    context_id: id,
    removed_chunks: removed.removedChunks,
    unique_chunks: await store.uniqueChunks(),
  });
});

context.post("/knowledge-base", requireClient, withCache, async (c) => {
  checkLength(c.req.header("content-length"), MAX_JSON_BYTES, "body");
  const kb = parse(knowledgeBaseSchema, parseJsonBody(await readBytes(c.req.raw.body, MAX_JSON_BYTES)));
  // Every document is checked before anything is stored.
  for (const [i, doc] of kb.documents.entries()) checkDocument(doc.text, `documents[${i}].text`);
  const { store } = createDocuments(c.env, c.get("namespace"));
  const options = { maxTokens: kb.chunk_tokens, overlapTokens: kb.overlap_tokens };
  const documents: IngestResult[] = [];
  for (const [i, doc] of kb.documents.entries()) {
    const id = doc.id ?? `${kb.id}:doc-${i}`;
    documents.push(
      await ingestDocument(store, id, [doc.text], { ...options, field: `documents[${i}].text` }),
    );
  }
  let qa: IngestResult | undefined;
  let warmed = { stored: 0, indexed: 0 };
  if (kb.entries.length > 0) {
    // Each entry its own section: one chunk per question/answer, found by retrieval like any document.
    const text = kb.entries
      .map((e) => `# Q: ${e.question.replace(/\s+/g, " ")}\n\nA: ${e.answer}`)
      .join("\n\n");
    qa = await ingestDocument(store, `${kb.id}:qa`, [text], { ...options, field: "entries" });
    warmed = await warmEntries(c, kb.entries, kb.model);
  }
  return c.json({
    id: kb.id,
    documents: documents.map(({ context_id, chunks, new_chunks, bytes }) => ({
      context_id,
      chunks,
      new_chunks,
      bytes,
    })),
    entries: {
      count: kb.entries.length,
      ...warmed,
      ...(qa && { context_id: qa.context_id, chunks: qa.chunks }),
    },
    unique_chunks: await store.uniqueChunks(),
  });
});
