/** @module Picks the R1 upstream from the environment, and collects an event stream into one completion. */
import type { Env } from "../env";
import { CacheError } from "../errors";
import { createDeepSeekUpstream } from "./deepseek";
import { createOpenAICompatibleUpstream } from "./openai-compatible";
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, type RetryOptions } from "./retry";
import { createSimulatorUpstream } from "./simulator";
import { truncatedError } from "./sse";
import type { Upstream, UpstreamEvent, Usage } from "./types";
import { createWorkersAiUpstream } from "./workers-ai";

export { createDeepSeekUpstream, DEEPSEEK_BASE_URL, DEEPSEEK_MODEL } from "./deepseek";
export { buildChatRequest, createOpenAICompatibleUpstream } from "./openai-compatible";
export { createSimulatorUpstream } from "./simulator";
export { createThinkSplitter, splitThink } from "./think-splitter";
export type * from "./types";
export { createWorkersAiUpstream, WORKERS_AI_DEFAULT_MODEL } from "./workers-ai";

/** The values `R1_UPSTREAM` accepts. */
export const UPSTREAM_KINDS = ["simulator", "deepseek", "workers-ai", "openai"] as const;
export type UpstreamKind = (typeof UPSTREAM_KINDS)[number];

/** Extra wiring that does not come from the environment (tests inject `fetch` and retry timing). */
export type CreateUpstreamOverrides = Pick<
  RetryOptions,
  "sleep" | "random" | "baseDelayMs" | "maxDelayMs"
> & {
  fetch?: typeof fetch;
};

function misconfigured(message: string): CacheError {
  return new CacheError("internal", `Upstream misconfigured: ${message}`);
}

/** Parses a non-negative integer variable; a malformed value is a configuration error naming it. */
function intVar(
  env: UpstreamVariables,
  name: "UPSTREAM_TIMEOUT_MS" | "UPSTREAM_RETRIES" | "R1_SIMULATOR_LATENCY_MS",
  fallback: number,
) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw misconfigured(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

/** The variables and secrets {@link createUpstream} reads (bindings such as `AI` are not among them). */
export const UPSTREAM_VARIABLES = [
  "R1_UPSTREAM",
  "R1_SIMULATOR_LATENCY_MS",
  "LOCAL_DEV",
  "DEEPSEEK_API_KEY",
  "DEEPSEEK_BASE_URL",
  "OPENAI_BASE_URL",
  "OPENAI_API_KEY",
  "OPENAI_MODEL",
  "WORKERS_AI_MODEL",
  "UPSTREAM_TIMEOUT_MS",
  "UPSTREAM_RETRIES",
] as const;

export type UpstreamVariables = Partial<Pick<Env, (typeof UPSTREAM_VARIABLES)[number]>>;

/** The upstream settings `env` holds, to hand to code that runs with another copy of the environment. */
export function upstreamVariables(env: UpstreamVariables): UpstreamVariables {
  const picked: Record<string, string | undefined> = {};
  for (const name of UPSTREAM_VARIABLES) picked[name] = env[name];
  return picked as UpstreamVariables;
}

/** The upstream call timeout `env` configures, in ms. */
export function upstreamTimeoutMs(env: UpstreamVariables): number {
  return intVar(env, "UPSTREAM_TIMEOUT_MS", DEFAULT_TIMEOUT_MS);
}

/**
 * Which upstream to use: `R1_UPSTREAM` when set; otherwise deepseek when `DEEPSEEK_API_KEY` is set, the
 * simulator under local dev (`LOCAL_DEV`), else Workers AI.
 */
export function resolveUpstreamKind(env: Env): UpstreamKind {
  const chosen = env.R1_UPSTREAM?.trim().toLowerCase();
  if (chosen) {
    const kind = UPSTREAM_KINDS.find((k) => k === chosen);
    if (!kind)
      throw misconfigured(`R1_UPSTREAM is "${env.R1_UPSTREAM}"; use one of ${UPSTREAM_KINDS.join(", ")}`);
    return kind;
  }
  if (env.DEEPSEEK_API_KEY) return "deepseek";
  return env.LOCAL_DEV ? "simulator" : "workers-ai";
}

/**
 * Creates the upstream the environment asks for. Throws a `CacheError` (`internal`) that names the
 * variable or secret to set when the choice cannot work, e.g. `openai` without `OPENAI_BASE_URL`.
 */
export function createUpstream(env: Env, overrides: CreateUpstreamOverrides = {}): Upstream {
  const retry = {
    ...overrides,
    timeoutMs: upstreamTimeoutMs(env),
    retries: intVar(env, "UPSTREAM_RETRIES", DEFAULT_RETRIES),
  };
  switch (resolveUpstreamKind(env)) {
    case "simulator": {
      const latencyMs = intVar(env, "R1_SIMULATOR_LATENCY_MS", 1500);
      // A miss costs `latencyMs` in all: most of it before the first token (R1 thinks before it
      // speaks), the last fifth spread over the tokens so streaming stays visible. 0 stays instant.
      return createSimulatorUpstream({ latencyMs: latencyMs * 0.8, totalStreamMs: latencyMs * 0.2 });
    }
    case "deepseek":
      if (!env.DEEPSEEK_API_KEY) {
        throw misconfigured(
          "R1_UPSTREAM is deepseek but DEEPSEEK_API_KEY is not set; run `wrangler secret put DEEPSEEK_API_KEY`",
        );
      }
      return createDeepSeekUpstream({
        ...retry,
        apiKey: env.DEEPSEEK_API_KEY,
        baseUrl: env.DEEPSEEK_BASE_URL,
      });
    case "openai":
      if (!env.OPENAI_BASE_URL) {
        throw misconfigured(
          "R1_UPSTREAM is openai but OPENAI_BASE_URL is not set; add it to vars in wrangler.jsonc",
        );
      }
      return createOpenAICompatibleUpstream({
        ...retry,
        baseUrl: env.OPENAI_BASE_URL,
        apiKey: env.OPENAI_API_KEY,
        model: env.OPENAI_MODEL || undefined,
      });
    case "workers-ai":
      if (!env.AI)
        throw misconfigured(
          'Workers AI needs the AI binding: add "ai": { "binding": "AI" } to wrangler.jsonc',
        );
      return createWorkersAiUpstream({ ...retry, ai: env.AI, model: env.WORKERS_AI_MODEL });
  }
}

/** A whole completion gathered from an event stream. */
export interface CollectedCompletion {
  reasoning: string;
  content: string;
  finishReason: string;
  usage: Usage | null;
}

/** Reads a stream to its `done`; throws `upstream_truncated` when the stream ends without one. */
export async function collect(events: AsyncIterable<UpstreamEvent>): Promise<CollectedCompletion> {
  let reasoning = "";
  let content = "";
  for await (const event of events) {
    if (event.type === "done")
      return { reasoning, content, finishReason: event.finishReason, usage: event.usage };
    reasoning += event.reasoning ?? "";
    content += event.content ?? "";
  }
  throw truncatedError("upstream", "the end of the stream");
}
