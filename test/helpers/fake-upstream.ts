/**
 * @module Test helper: a scriptable OpenAI-compatible upstream at `https://fake-upstream.test/v1`, served by
 * spying on `globalThis.fetch` (tests and the worker share one isolate, so worker code sees it too).
 */
import { vi } from "vitest";

/** Base URL to configure as `OPENAI_BASE_URL` (or any upstream `baseUrl`). */
export const FAKE_UPSTREAM_URL = "https://fake-upstream.test/v1";

interface Timing {
  /** Wait before the response headers. Overrides {@link FakeUpstreamOptions.delayMs}. */
  delayMs?: number;
  /** Wait between SSE events. Overrides {@link FakeUpstreamOptions.chunkDelayMs}. */
  chunkDelayMs?: number;
}

/** Answer text; unset parts default to `Fake reasoning about "<last user message>".` / `Fake answer to "…".` */
interface Answer {
  reasoning?: string;
  content?: string;
  finishReason?: string;
}

/** What the fake does for one call. Build them with {@link fake}. */
export type FakeBehaviour =
  | ({ kind: "ok" } & Answer & Timing)
  | ({ kind: "status"; status: number; body?: unknown; headers?: Record<string, string> } & Timing)
  | ({ kind: "hang" } & Timing)
  | ({ kind: "truncate" } & Answer & Timing)
  | ({ kind: "stall" } & Answer & Timing);

/** Behaviour builders. */
export const fake = {
  /** A full answer: SSE with `reasoning_content` deltas, finish_reason, usage and `[DONE]`; JSON when `stream` is false. */
  ok: (answer: Answer & Timing = {}): FakeBehaviour => ({ kind: "ok", ...answer }),
  /** An HTTP error; `body` defaults to an OpenAI-style `{error}`; `headers` e.g. `{"retry-after": "1"}`. */
  status: (status: number, body?: unknown, headers?: Record<string, string>): FakeBehaviour => ({
    kind: "status",
    status,
    body,
    headers,
  }),
  /** Never answers; the fetch rejects when its signal aborts. */
  hang: (timing: Timing = {}): FakeBehaviour => ({ kind: "hang", ...timing }),
  /** Sends the reasoning and half the answer, then closes without finish_reason or `[DONE]`. */
  truncate: (answer: Answer & Timing = {}): FakeBehaviour => ({ kind: "truncate", ...answer }),
  /** Like `truncate`, but keeps the connection open (idle) until aborted. */
  stall: (answer: Answer & Timing = {}): FakeBehaviour => ({ kind: "stall", ...answer }),
};

/** The parsed JSON body of a call (what the worker sent upstream). */
export type FakeRequestBody = Record<string, unknown> & {
  model?: string;
  messages?: Array<{ role: string; content: string | null }>;
  stream?: boolean;
};

/** One call the fake received. */
export interface FakeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: FakeRequestBody;
}

export interface FakeUpstreamOptions {
  /** Behaviours served in order, one per `/chat/completions` call (then `fallback`), or a function of the call. */
  behaviours?: FakeBehaviour[] | ((call: FakeRequest, index: number) => FakeBehaviour);
  /** Served when the queue is empty. @default fake.ok() */
  fallback?: FakeBehaviour;
  /** Wait before every response's headers. @default 0 */
  delayMs?: number;
  /** Wait between SSE events. @default 0 */
  chunkDelayMs?: number;
}

export interface FakeUpstream {
  readonly url: string;
  /** `/chat/completions` calls so far: how many, their parsed bodies and the full requests. */
  readonly calls: {
    readonly count: number;
    readonly bodies: FakeRequestBody[];
    readonly requests: FakeRequest[];
  };
  /** Adds behaviours to the queue (when `behaviours` is a queue). */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** Puts back the `fetch` that was there before the install. */
  restore(): void;
}

/**
 * Installs the fake: `fetch` to {@link FAKE_UPSTREAM_URL} is served from the script, every other URL goes to
 * the original `fetch`. Call `restore()` in `afterEach`.
 */
export function installFakeUpstream(options: FakeUpstreamOptions = {}): FakeUpstream {
  const original = globalThis.fetch;
  const queue = Array.isArray(options.behaviours) ? [...options.behaviours] : [];
  const requests: FakeRequest[] = [];
  const next = (call: FakeRequest): FakeBehaviour => {
    const { behaviours } = options;
    if (typeof behaviours === "function") return behaviours(call, requests.length - 1);
    return queue.shift() ?? options.fallback ?? fake.ok();
  };
  // A plain replacement rather than vi.spyOn: spying on an already spied fetch would reuse that spy and
  // make `original` call itself. Installs nest; restore them in reverse order.
  const spy = vi.fn<typeof fetch>(async (input, init) => {
    const target = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!target.startsWith(FAKE_UPSTREAM_URL)) return original(input, init);
    const request = new Request(input, init);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined;
    const path = request.url.slice(FAKE_UPSTREAM_URL.length);
    if (path === "/models")
      return Response.json({ object: "list", data: [{ id: "fake-r1", object: "model" }] });
    if (path !== "/chat/completions" || request.method !== "POST")
      return new Response("not found", { status: 404 });
    const call = await readCall(request);
    requests.push(call);
    return serve(next(call), call.body, options, signal);
  });
  globalThis.fetch = spy;
  return {
    url: FAKE_UPSTREAM_URL,
    calls: {
      get count() {
        return requests.length;
      },
      get bodies() {
        return requests.map((r) => r.body);
      },
      requests,
    },
    enqueue: (...behaviours) => queue.push(...behaviours),
    restore: () => {
      if (globalThis.fetch === spy) globalThis.fetch = original;
    },
  };
}

async function readCall(request: Request): Promise<FakeRequest> {
  const text = await request.text();
  return {
    url: request.url,
    method: request.method,
    headers: Object.fromEntries(request.headers),
    body: text ? (JSON.parse(text) as FakeRequestBody) : {},
  };
}

async function serve(
  behaviour: FakeBehaviour,
  body: FakeRequestBody,
  options: FakeUpstreamOptions,
  signal?: AbortSignal,
): Promise<Response> {
  await wait(behaviour.delayMs ?? options.delayMs ?? 0, signal);
  if (behaviour.kind === "hang") return wait(Number.POSITIVE_INFINITY, signal).then(() => new Response());
  if (behaviour.kind === "status") {
    const payload = behaviour.body ?? {
      error: { message: `fake upstream error ${behaviour.status}`, code: behaviour.status },
    };
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    const headers = { "content-type": "application/json", ...behaviour.headers };
    return new Response(text, { status: behaviour.status, headers });
  }
  const answer = defaults(behaviour, body);
  const chunkDelayMs = behaviour.chunkDelayMs ?? options.chunkDelayMs ?? 0;
  if (body.stream !== true) return Response.json(completion(answer, body));
  const events = sseEvents(answer, body, behaviour.kind);
  const end = behaviour.kind === "stall" ? "hang" : "close";
  return new Response(sseBody(events, chunkDelayMs, end, signal), {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
}

type FullAnswer = Required<Answer> & { promptTokens: number };

function defaults(answer: Answer, body: FakeRequestBody): FullAnswer {
  const messages = body.messages ?? [];
  const prompt = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  return {
    reasoning: answer.reasoning ?? `Fake reasoning about "${prompt}".`,
    content: answer.content ?? `Fake answer to "${prompt}".`,
    finishReason: answer.finishReason ?? "stop",
    promptTokens: words(messages.map((m) => m.content ?? "").join(" ")).length,
  };
}

const words = (text: string): string[] => text.match(/\S+\s*/g) ?? [];

function usage(answer: FullAnswer) {
  const completion = words(answer.reasoning).length + words(answer.content).length;
  return {
    prompt_tokens: answer.promptTokens,
    completion_tokens: completion,
    total_tokens: answer.promptTokens + completion,
  };
}

function completion(answer: FullAnswer, body: FakeRequestBody) {
  const message = { role: "assistant", content: answer.content, reasoning_content: answer.reasoning };
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 0,
    model: body.model ?? "fake-r1",
    choices: [{ index: 0, message, finish_reason: answer.finishReason }],
    usage: usage(answer),
  };
}

/** The SSE events for an answer: one per word, reasoning first; a cut stream stops mid-answer. */
function sseEvents(answer: FullAnswer, body: FakeRequestBody, kind: "ok" | "truncate" | "stall"): string[] {
  const base = {
    id: "chatcmpl-fake",
    object: "chat.completion.chunk",
    created: 0,
    model: body.model ?? "fake-r1",
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const content = words(answer.content);
  const cut = kind === "ok" ? content : content.slice(0, Math.ceil(content.length / 2));
  const events = [
    chunk({ role: "assistant", content: null, reasoning_content: "" }),
    ...words(answer.reasoning).map((w) => chunk({ reasoning_content: w })),
    ...cut.map((w) => chunk({ content: w })),
  ];
  if (kind !== "ok") return events;
  events.push(chunk({}, answer.finishReason));
  const options = body.stream_options as { include_usage?: boolean } | undefined;
  if (options?.include_usage)
    events.push(`data: ${JSON.stringify({ ...base, choices: [], usage: usage(answer) })}\n\n`);
  events.push("data: [DONE]\n\n");
  return events;
}

function sseBody(events: string[], chunkDelayMs: number, end: "close" | "hang", signal?: AbortSignal) {
  const encoder = new TextEncoder();
  let index = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      signal?.addEventListener("abort", () => {
        try {
          controller.error(signal.reason);
        } catch {
          // Already closed.
        }
      });
    },
    async pull(controller) {
      const event = events[index];
      if (event === undefined) {
        if (end === "close") return controller.close();
        return new Promise<void>(() => {}); // idle until the reader's signal aborts
      }
      if (index > 0) await wait(chunkDelayMs, signal);
      index++;
      controller.enqueue(encoder.encode(event));
    },
  });
}

/** Resolves after `ms` (never, for Infinity); rejects with the signal's reason when it aborts. */
function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (ms <= 0) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(resolve, ms) : undefined;
    signal?.addEventListener("abort", () => {
      if (timer !== undefined) clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
