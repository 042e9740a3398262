/** Drives the real worker's fetch handler inside workerd, with per-test env overrides. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import worker from "../../src/index";

export const CLIENT = { authorization: "Bearer dev-key" };
export const ADMIN = { authorization: "Bearer dev-admin" };

export interface CallOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Overrides of bindings and variables for this call (e.g. another upstream, a broken KV). */
  env?: Partial<Env>;
  /** Wait for the request's waitUntil work (back-fill, write-behind) before returning. @default true */
  settle?: boolean;
}

/** Calls the worker like a client would and returns the response with its body read. */
export async function call(path: string, options: CallOptions = {}) {
  const ctx = createExecutionContext();
  const init: RequestInit = {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers: { ...CLIENT, "content-type": "application/json", ...options.headers },
    body:
      typeof options.body === "string" || options.body === undefined
        ? options.body
        : JSON.stringify(options.body),
  };
  const request = new Request(`https://cache.test${path}`, init);
  const response = await worker.fetch(request, { ...(env as unknown as Env), ...options.env }, ctx);
  const text = await response.text();
  if (options.settle !== false) await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/** A chat request body with a prompt unique to the test (storage is shared by the tests of a file). */
export function chat(prompt: string, extra: Record<string, unknown> = {}) {
  return { model: "deepseek-reasoner", messages: [{ role: "user", content: prompt }], ...extra };
}

/** Parses an SSE body into its data payloads. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .map((event) => event.trim())
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
}

/** Clears L1 (isolate memory) through the admin API. */
export async function clearTier(level: "l1" | "l2" | "l3" | "l4") {
  const response = await call(`/admin/cache?level=${level}`, { method: "DELETE", headers: ADMIN });
  if (response.status !== 200) throw new Error(`clear ${level}: ${response.status} ${response.text}`);
}
