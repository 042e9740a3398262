/** @module Picks the prompt embedder from the worker's env: Workers AI, an OpenAI-compatible URL, the local encoder, or none. */

import type { Env } from "../../env";
import { CacheError } from "../../errors";
import { createOpenAIEmbedder } from "./openai";
import { createServiceEmbedder } from "./service";
import type { Embedder } from "./types";
import { createWorkersAiEmbedder } from "./workers-ai";

/** The values `EMBEDDINGS_BACKEND` accepts. */
export const EMBEDDINGS_BACKENDS = ["workers-ai", "openai", "local", "off"] as const;
export type EmbeddingsBackend = (typeof EMBEDDINGS_BACKENDS)[number];

/** The factory's decision: the embedder (none when semantic search is off) and why. */
export interface EmbedderChoice {
  readonly backend: EmbeddingsBackend;
  readonly embedder: Embedder | undefined;
  /** One line for logs and /admin: which backend and why, or why semantic search is disabled. */
  readonly reason: string;
}

type EmbeddingsEnv = Pick<
  Env,
  | "AI"
  | "EMBEDDER"
  | "LOCAL_DEV"
  | "EMBEDDINGS_BACKEND"
  | "EMBEDDINGS_BASE_URL"
  | "EMBEDDINGS_API_KEY"
  | "EMBEDDINGS_MODEL"
  | "EMBEDDINGS_DIMENSIONS"
>;

function misconfigured(variable: string, message: string): CacheError {
  return new CacheError("internal", `${message}: set ${variable}`, { field: variable });
}

/** `EMBEDDINGS_DIMENSIONS` as a positive integer; undefined when unset. */
function dimensionsOf(env: EmbeddingsEnv): number | undefined {
  const raw = env.EMBEDDINGS_DIMENSIONS?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    throw misconfigured("EMBEDDINGS_DIMENSIONS", `EMBEDDINGS_DIMENSIONS="${raw}" is not a positive integer`);
  }
  return n;
}

/** The backend asked for, or the default: local in dev with EMBEDDER bound, Workers AI when deployed. */
function backendOf(env: EmbeddingsEnv): { backend: EmbeddingsBackend; why: string } {
  const asked = env.EMBEDDINGS_BACKEND?.trim().toLowerCase();
  if (asked) {
    if (!(EMBEDDINGS_BACKENDS as readonly string[]).includes(asked)) {
      throw misconfigured(
        "EMBEDDINGS_BACKEND",
        `EMBEDDINGS_BACKEND="${asked}" is not one of ${EMBEDDINGS_BACKENDS.join(", ")}`,
      );
    }
    return { backend: asked as EmbeddingsBackend, why: `EMBEDDINGS_BACKEND=${asked}` };
  }
  if (env.LOCAL_DEV) {
    if (env.EMBEDDER) return { backend: "local", why: "local dev with the EMBEDDER service bound" };
    // Workers AI cannot run locally: never fall back to it in dev.
    return { backend: "off", why: "local dev without the EMBEDDER service (start it with `npm run dev`)" };
  }
  if (env.AI) return { backend: "workers-ai", why: "deployed with the AI binding" };
  return { backend: "off", why: "no AI binding and no EMBEDDINGS_BACKEND" };
}

/** Decides which embedder to use; throws a `CacheError` naming the variable when the config is incomplete. */
export function chooseEmbedder(env: EmbeddingsEnv): EmbedderChoice {
  const { backend, why } = backendOf(env);
  switch (backend) {
    case "off":
      return { backend, embedder: undefined, reason: `semantic search disabled: ${why}` };
    case "local": {
      if (!env.EMBEDDER)
        throw misconfigured("EMBEDDER", "EMBEDDINGS_BACKEND=local needs the EMBEDDER service binding");
      const embedder = createServiceEmbedder(env.EMBEDDER);
      return { backend, embedder, reason: `${embedder.model} via EMBEDDER (${why})` };
    }
    case "workers-ai": {
      if (!env.AI) throw misconfigured("AI", "EMBEDDINGS_BACKEND=workers-ai needs the AI binding");
      const embedder = createWorkersAiEmbedder(env.AI, {
        model: env.EMBEDDINGS_MODEL?.trim() || undefined,
        dimensions: dimensionsOf(env),
      });
      return { backend, embedder, reason: `${embedder.model} on Workers AI (${why})` };
    }
    case "openai":
      return openAiChoice(env, why);
  }
}

function openAiChoice(env: EmbeddingsEnv, why: string): EmbedderChoice {
  const baseUrl = env.EMBEDDINGS_BASE_URL?.trim();
  if (!baseUrl)
    throw misconfigured("EMBEDDINGS_BASE_URL", "EMBEDDINGS_BACKEND=openai needs the endpoint's URL");
  const model = env.EMBEDDINGS_MODEL?.trim();
  if (!model) throw misconfigured("EMBEDDINGS_MODEL", "EMBEDDINGS_BACKEND=openai needs a model name");
  const dimensions = dimensionsOf(env);
  if (dimensions === undefined) {
    throw misconfigured("EMBEDDINGS_DIMENSIONS", "EMBEDDINGS_BACKEND=openai needs the vector length");
  }
  let host: string;
  try {
    host = new URL(baseUrl).host;
  } catch {
    throw misconfigured("EMBEDDINGS_BASE_URL", `EMBEDDINGS_BASE_URL="${baseUrl}" is not a URL`);
  }
  const embedder = createOpenAIEmbedder({ baseUrl, apiKey: env.EMBEDDINGS_API_KEY, model, dimensions });
  return { backend: "openai", embedder, reason: `${model} at ${host} (${why})` };
}

/** The embedder for this env, or undefined when semantic search is off ({@link chooseEmbedder} says why). */
export function createEmbedder(env: EmbeddingsEnv): Embedder | undefined {
  return chooseEmbedder(env).embedder;
}
