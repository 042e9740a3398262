/**
 * @module `GET /openapi.json` and `GET /docs`: the API described from the same zod schemas that validate
 * requests (zod's JSON Schema output), so the description cannot drift from what the worker accepts.
 * A test compares the paths here with every route the app registers.
 */
import { Hono } from "hono";
import { z } from "zod";
import { configSchema } from "../config";
import type { AppEnv } from "../context";
import {
  chatCompletionSchema,
  contextOptionsSchema,
  contextSchema,
  contextSearchSchema,
  knowledgeBaseSchema,
  r1ChatSchema,
  r1SearchSchema,
} from "../validation";
import { levelSchema, maintenanceQuery, statsQuery } from "./admin";
import { keySchema } from "./backup";
import { calibrationSchema, pairsSchema } from "./calibration";
import { entriesQuery, entryQuery } from "./entries";
import { warmupSchema } from "./warmup";

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

const CACHE_HEADERS = {
  "x-r1cache": { description: "HIT, MISS or BYPASS", schema: { type: "string" } },
  "x-r1cache-key": { description: "The entry served (a hit) or stored (a miss)", schema: { type: "string" } },
  "x-r1cache-tier": { description: "l1, l2, l3 or l4 on a hit", schema: { type: "string" } },
  "x-r1cache-match": { description: "exact or semantic on a hit", schema: { type: "string" } },
  "x-r1cache-similarity": { description: "Cosine similarity of a semantic hit", schema: { type: "string" } },
  "x-r1cache-reason": {
    description: "Why a semantic hit was accepted (URI-encoded)",
    schema: { type: "string" },
  },
  "x-r1cache-coalesced": {
    description: "1 when the request joined another's upstream call",
    schema: { type: "string" },
  },
  "server-timing": { description: "cache and total durations", schema: { type: "string" } },
  "cf-aig-cache-status": { description: "HIT or MISS, as AI Gateway answers", schema: { type: "string" } },
};

const CONTROL_HEADERS = [
  ["cache-control", "no-cache (skip the lookup), no-store (store nothing), max-age=N"],
  ["x-r1cache-ttl", "lifetime of the stored answer, seconds"],
  ["x-r1cache-threshold", "similarity threshold for this request, 0.0-1.0"],
  ["x-r1cache-semantic", "on or off"],
  [
    "x-r1cache-session",
    "the end user's conversation (1-256 characters): prefetch learns what follows what in it",
  ],
  ["cf-aig-skip-cache", "AI Gateway: true = no-cache and no-store"],
  ["cf-aig-cache-ttl", "AI Gateway: as x-r1cache-ttl"],
  [
    "cf-aig-cache-key",
    "AI Gateway: key the entry by this string instead of the body (no paraphrase matching)",
  ],
].map(([name, description]) => ({
  name,
  in: "header",
  required: false,
  description,
  schema: { type: "string" },
}));

const ERROR = {
  description: "An error naming what went wrong",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          error: {
            type: "object",
            properties: {
              message: { type: "string" },
              type: { type: "string" },
              code: { type: "string" },
              param: { type: ["string", "null"], description: "The request field at fault" },
            },
          },
        },
      },
    },
  },
};

type Op = {
  summary: string;
  admin?: boolean;
  /** No credentials: no security requirement and no 401. */
  public?: boolean;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: string[];
  chat?: boolean;
  produces?: string;
  statuses?: number[];
};

function operation(op: Op) {
  const responses: Record<string, unknown> = {
    200: {
      description: "OK",
      ...(op.chat && { headers: CACHE_HEADERS }),
      content: { [op.produces ?? "application/json"]: {} },
    },
  };
  for (const status of [
    ...(op.body || op.query ? [400] : []),
    ...(op.public ? [] : [op.admin ? 403 : 401]),
    ...(op.statuses ?? []),
  ]) {
    responses[status] = ERROR;
  }
  const query = op.query
    ? Object.keys(op.query.shape).map((name) => ({
        name,
        in: "query",
        required: false,
        schema: { type: "string" },
      }))
    : [];
  return {
    summary: op.summary,
    security: op.public ? [] : [{ [op.admin ? "adminToken" : "clientKey"]: [] }],
    parameters: [
      ...(op.params ?? []).map((name) => ({ name, in: "path", required: true, schema: { type: "string" } })),
      ...query,
      ...(op.chat ? CONTROL_HEADERS : []),
    ],
    ...(op.body && {
      requestBody: { required: true, content: { "application/json": { schema: json(op.body) } } },
    }),
    responses,
  };
}

/** Every route, by path and method. */
function paths(): Record<string, Record<string, Op>> {
  const chatErrors = [413, 502, 504];
  return {
    "/healthz": {
      get: { summary: "Liveness (no auth)" },
      post: { summary: "Liveness, reading the body (no auth)" },
    },
    "/v1/models": { get: { summary: "Models this endpoint answers for" } },
    "/v1/chat/completions": {
      post: {
        summary: "OpenAI-compatible chat completion, JSON or SSE",
        body: chatCompletionSchema,
        chat: true,
        statuses: chatErrors,
      },
    },
    "/v1/r1/chat": {
      post: {
        summary: "Native chat: response, reasoning and cache summary",
        body: r1ChatSchema,
        chat: true,
        statuses: chatErrors,
      },
    },
    "/v1/r1/search": {
      post: {
        summary: "Nearest stored questions and the verifier's verdicts",
        body: r1SearchSchema,
        statuses: [501, 503],
      },
    },
    "/v1/r1/context": {
      post: {
        summary:
          "Add a document: JSON {text, context_id?, chunk_tokens?, overlap_tokens?}, or a text/plain body up to 10 MiB streamed (options in the query); NDJSON progress with ?progress=1",
        body: contextSchema,
        query: contextOptionsSchema,
        statuses: [413, 501, 503],
      },
      get: { summary: "The tenant's documents with their sizes, and its distinct chunks" },
    },
    "/v1/r1/context/search": {
      post: {
        summary: "The chunks use_context would put in the prompt for a question (no R1 call)",
        body: contextSearchSchema,
        statuses: [501, 503],
      },
    },
    "/v1/r1/context/{id}": {
      delete: {
        summary: "Remove a document and every chunk no other document uses",
        params: ["id"],
        statuses: [404, 501],
      },
    },
    "/v1/r1/knowledge-base": {
      post: {
        summary:
          "Load a JSON knowledge base: documents, and question/answer entries that also warm the cache",
        body: knowledgeBaseSchema,
        statuses: [413, 501, 503],
      },
    },
    "/admin/stats": {
      get: {
        summary: "Statistics for the deployment, or one tenant with ?namespace=",
        admin: true,
        query: statsQuery,
      },
    },
    "/admin/metrics": { get: { summary: "Prometheus text", admin: true, produces: "text/plain" } },
    "/admin/cache": {
      delete: {
        summary: "Clear a tier (or all), optionally one tenant's entries",
        admin: true,
        query: levelSchema,
      },
    },
    "/admin/entries": {
      get: {
        summary:
          "Entries whose prompt (or an alias's prompt) contains q, newest first; limit 1-100 (default 20), next_cursor pages on",
        admin: true,
        query: entriesQuery,
      },
    },
    "/admin/entries/{key}": {
      get: {
        summary:
          "One entry: index row, the shared tiers holding it, aliases, hit statistics, the answer's start",
        admin: true,
        params: ["key"],
        query: entryQuery,
        statuses: [404],
      },
      delete: { summary: "Remove one entry everywhere", admin: true, params: ["key"] },
    },
    "/admin/config": {
      get: { summary: "The effective configuration", admin: true },
      patch: { summary: "Change the configuration at runtime", admin: true, body: configSchema.partial() },
      delete: { summary: "Drop the runtime overrides", admin: true },
    },
    "/admin/maintenance/{job}": {
      post: {
        summary:
          "One bounded pass of demote, cleanup, optimize (recompress, re-place), defragment (remove orphans, optimize D1) or rebuild (vectors and KV from D1 and R2); resumable",
        admin: true,
        params: ["job"],
        query: maintenanceQuery,
        statuses: [404],
      },
    },
    "/admin/backup": {
      post: {
        summary: "Back up every entry, alias, vector, semantic scope, context document and the config to R2",
        admin: true,
      },
    },
    "/admin/backups": { get: { summary: "The backups in R2, newest first", admin: true } },
    "/admin/restore": {
      post: {
        summary: "Restore a backup after checking its version and every checksum",
        admin: true,
        body: keySchema,
        statuses: [404, 422],
      },
    },
    "/admin/backup/migrate": {
      post: {
        summary: "Write a copy of an older backup in the current format",
        admin: true,
        body: keySchema,
        statuses: [404, 422],
      },
    },
    "/admin/tuning": {
      get: { summary: "The auto-tuner: enabled, current settings, recent decisions", admin: true },
    },
    "/admin/tuning/evaluate": { post: { summary: "Run one tuner evaluation now", admin: true } },
    "/admin/warmup": {
      post: {
        summary: "Fill the cache for a tenant; NDJSON progress",
        admin: true,
        body: warmupSchema,
        produces: "application/x-ndjson",
      },
    },
    "/admin/calibration": {
      get: { summary: "The verifier's calibration for the active embedder", admin: true },
      put: { summary: "Store a calibration", admin: true, body: calibrationSchema },
      delete: { summary: "Drop the stored calibration", admin: true },
    },
    "/admin/calibration/similarities": {
      post: {
        summary: "Cosine similarities of pairs with the worker's embedder",
        admin: true,
        body: pairsSchema,
      },
    },
    "/admin/calibration/rerank": {
      post: { summary: "Reranker scores of pairs", admin: true, body: pairsSchema, statuses: [501] },
    },
    "/dashboard": {
      get: {
        summary: "The live dashboard (a static page; its data comes from the admin API with the admin token)",
        public: true,
        produces: "text/html",
      },
    },
    "/dashboard/{file}": {
      get: {
        summary: "The dashboard's script, styles and vendored uPlot (static assets, no auth)",
        public: true,
        params: ["file"],
        statuses: [404],
      },
    },
    "/openapi.json": { get: { summary: "This document (no auth)" } },
    "/docs": { get: { summary: "A page listing the routes (no auth)", produces: "text/html" } },
  };
}

let document: unknown;

/** The OpenAPI 3.1 document, built once per isolate. */
export function openApiDocument(): unknown {
  if (document) return document;
  const built: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(paths())) {
    built[path] = Object.fromEntries(Object.entries(methods).map(([method, op]) => [method, operation(op)]));
  }
  document = {
    openapi: "3.1.0",
    info: {
      title: "R1 Edge Cache",
      version: "0.1.0",
      description: "A multi-tier semantic cache for DeepSeek R1 on Cloudflare Workers.",
    },
    components: {
      securitySchemes: {
        clientKey: { type: "http", scheme: "bearer", description: "A client key from R1CACHE_KEYS" },
        adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
      },
    },
    paths: built,
  };
  return document;
}

export const openapi = new Hono<AppEnv>();

openapi.get("/openapi.json", (c) => c.json(openApiDocument()));

openapi.get("/docs", (c) => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, { summary: string }>> };
  const html = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  const rows = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) =>
        `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${html(path)}</code></td><td>${html(op.summary)}</td></tr>`,
    ),
  );
  return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>R1 Edge Cache API</title><meta name="color-scheme" content="light dark">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}td{padding:.25rem .75rem;vertical-align:top}</style>
</head><body><h1>R1 Edge Cache API</h1><p>Request and response schemas: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1, generated from the validators).</p>
<table>${rows.join("")}</table></body></html>`);
});
