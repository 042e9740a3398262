/**
 * @module The local R1 simulator: R1-shaped, deterministic answers with reasoning, for `npm run dev` and
 * tests, with no network and no account.
 */
import { sleep } from "./retry";
import type { ChatParams, Upstream, UpstreamEvent } from "./types";

/** Options of {@link createSimulatorUpstream}. */
export interface SimulatorOptions {
  /** Wait before the first token, like R1's time to first token (`R1_SIMULATOR_LATENCY_MS`). @default 1500 */
  latencyMs?: number;
  /** Wait between tokens. @default 0 */
  chunkDelayMs?: number;
  /**
   * Time spread over the whole stream after the first token, in pauses every few tokens (overrides
   * `chunkDelayMs`), so the total latency of a miss does not grow with the answer's length.
   */
  totalStreamMs?: number;
}

/** A simulated completion, as tokens (a word with its trailing space). */
export interface SimulatedCompletion {
  reasoning: string[];
  content: string[];
  promptTokens: number;
}

const REASONING = [
  "First, I should pin down the key terms and what a precise answer has to include.",
  "There are a few angles here, so I will compare them before settling on one.",
  "I need to be careful not to overstate anything that depends on assumptions.",
  "A concrete example would probably make this clearer than an abstract definition.",
  "Let me check whether any edge cases would change the conclusion.",
  "The earlier turns of the conversation matter here, so I will keep them in mind.",
  "Wait, I should double-check the assumption hidden in the question.",
  "The clearest path is to define it, explain why it matters, and then give an example.",
];

const ANSWER = [
  "In short, the answer depends on a few factors that are worth separating.",
  "The core idea is simple once the terms are defined precisely.",
  "A practical approach is to try it on a small case first and then generalise.",
  "Keep the usual caveats in mind: results vary with context and assumptions.",
  "Most mistakes here come from skipping the definition step.",
  "If you need more depth, ask a follow-up about any specific part.",
];

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** FNV-1a, 32 bits: a fast, stable seed (not a cache key; those are SHA-256). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** mulberry32: a small seeded PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct items of `bank`, in an order drawn from `random`. */
function pick(bank: string[], count: number, random: () => number): string[] {
  const pool = [...bank];
  const out: string[] = [];
  while (out.length < count && pool.length > 0)
    out.push(...pool.splice(Math.floor(random() * pool.length), 1));
  return out;
}

const tokens = (text: string): string[] => text.match(/\S+\s*/g) ?? [];

/** The whole simulated answer for a request: a pure function of the canonical request. */
export function simulateCompletion(params: ChatParams): SimulatedCompletion {
  // max_tokens only cuts the answer short, as with a real model: a cut answer is a prefix of the full one.
  const seed = fnv1a(stableStringify({ ...params, max_tokens: null }));
  const random = mulberry32(seed);
  const lastUser = [...params.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const flat = lastUser.replace(/\s+/g, " ").trim();
  const prompt = flat.length > 120 ? `${flat.slice(0, 119)}…` : flat || "(empty prompt)";
  const reasoning = [
    `Okay, the user is asking: "${prompt}". Let me think about what they really need.`,
    ...pick(REASONING, 2 + Math.floor(random() * 3), random),
    "Alright, I am ready to write the answer.",
  ];
  const content = [
    `Here is a simulated R1 answer to "${prompt}".`,
    ...pick(ANSWER, 2 + Math.floor(random() * 3), random),
    `(Answer ${seed.toString(16).padStart(8, "0")} from the local R1 simulator; set R1_UPSTREAM for a real model.)`,
  ];
  const promptText = params.messages.map((m) => m.content ?? "").join(" ");
  return {
    reasoning: tokens(reasoning.join(" ")),
    content: tokens(content.join(" ")),
    promptTokens: tokens(promptText).length,
  };
}

/** With `totalStreamMs`, tokens go out in bursts of this many between pauses. */
const TOKENS_PER_PAUSE = 8;

/**
 * Creates the simulator. Same request -> byte-identical events; a different prompt -> a different answer
 * that quotes it. Streams one token per delta, reasoning first, after `latencyMs`; honours `max_tokens`
 * (counting reasoning, as R1 does) with finish reason `length`, and the abort signal.
 */
export function createSimulatorUpstream(options: SimulatorOptions = {}): Upstream {
  const latencyMs = options.latencyMs ?? 1500;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  return {
    name: "simulator",
    reasoningFormat: "reasoning_content",
    async *stream(params, { signal } = {}): AsyncGenerator<UpstreamEvent> {
      const sim = simulateCompletion(params);
      const all = [
        ...sim.reasoning.map((r) => ({ reasoning: r })),
        ...sim.content.map((c) => ({ content: c })),
      ];
      const limit = params.max_tokens ?? Number.POSITIVE_INFINITY;
      const sent = all.slice(0, Math.max(0, limit));
      if (latencyMs > 0) await sleep(latencyMs, signal);
      const pauses = Math.ceil(sent.length / TOKENS_PER_PAUSE);
      const pauseMs = options.totalStreamMs ? options.totalStreamMs / Math.max(1, pauses) : 0;
      for (const [i, part] of sent.entries()) {
        if (i > 0 && pauseMs > 0 && i % TOKENS_PER_PAUSE === 0) await sleep(pauseMs, signal);
        else if (i > 0 && !pauseMs && chunkDelayMs > 0) await sleep(chunkDelayMs, signal);
        signal?.throwIfAborted();
        yield { type: "delta", ...part };
      }
      signal?.throwIfAborted();
      const usage = {
        prompt_tokens: sim.promptTokens,
        completion_tokens: sent.length,
        total_tokens: sim.promptTokens + sent.length,
      };
      yield { type: "done", finishReason: sent.length < all.length ? "length" : "stop", usage };
    },
  };
}
