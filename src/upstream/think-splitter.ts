/**
 * @module Splits `<think>…</think>` out of a streamed completion into reasoning and answer, for R1 models
 * that return their reasoning inline (the distilled models on Workers AI, servers without a reasoning parser).
 */
import { deltaEvent } from "./json";
import type { UpstreamEvent } from "./types";

const OPEN = "<think>";
const CLOSE = "</think>";

/** Text split from one chunk; either part may be empty. */
export interface ThinkParts {
  reasoning: string;
  content: string;
}

/** A streaming `<think>` splitter: push chunks as they arrive, flush once at the end. */
export interface ThinkSplitter {
  push(chunk: string): ThinkParts;
  /** Returns whatever was held back waiting for a tag that never completed. */
  flush(): ThinkParts;
}

export interface ThinkSplitterOptions {
  /**
   * Treat text before `</think>` as reasoning even without an opening `<think>`. The distilled R1 models
   * omit it because their chat template already ends the prompt with `<think>\n`.
   * @default true
   */
  implicitOpen?: boolean;
}

type Mode = "start" | "reasoning" | "content";

/**
 * Creates a splitter. Tags may be split across chunks at any position: a chunk's tail that could be the
 * start of a tag is held back until the next chunk decides. Whitespace around the reasoning (the
 * newlines the model puts after `<think>` and around `</think>`) is dropped; a second `<think>` block after
 * the answer has started is left in the answer.
 */
export function createThinkSplitter(options: ThinkSplitterOptions = {}): ThinkSplitter {
  const implicitOpen = options.implicitOpen ?? true;
  let mode: Mode = "start";
  let pending = "";
  // Leading whitespace of each part is dropped until its first visible character.
  let reasoningStarted = false;
  let contentStarted = false;

  const emit = (parts: ThinkParts, target: "reasoning" | "content", text: string): void => {
    let out = text;
    if (target === "reasoning" && !reasoningStarted) out = out.trimStart();
    if (target === "content" && !contentStarted) out = out.trimStart();
    if (out === "") return;
    if (target === "reasoning") reasoningStarted = true;
    else contentStarted = true;
    parts[target] += out;
  };

  const push = (chunk: string): ThinkParts => {
    const parts: ThinkParts = { reasoning: "", content: "" };
    let buffer = pending + chunk;
    pending = "";
    while (buffer !== "") {
      if (mode === "start") {
        const trimmed = buffer.trimStart();
        if (trimmed === "" || (OPEN.startsWith(trimmed) && trimmed.length < OPEN.length)) {
          pending = buffer; // could still become `<think>`
          return parts;
        }
        if (trimmed.startsWith(OPEN)) {
          buffer = trimmed.slice(OPEN.length);
          mode = "reasoning";
        } else {
          mode = implicitOpen ? "reasoning" : "content";
        }
      } else if (mode === "reasoning") {
        const close = buffer.indexOf(CLOSE);
        if (close >= 0) {
          emit(parts, "reasoning", buffer.slice(0, close).trimEnd());
          buffer = buffer.slice(close + CLOSE.length);
          mode = "content";
          continue;
        }
        // Hold back a possible partial `</think>` and trailing whitespace that may precede it.
        const keep = heldBack(buffer);
        emit(parts, "reasoning", buffer.slice(0, buffer.length - keep));
        pending = buffer.slice(buffer.length - keep);
        return parts;
      } else {
        emit(parts, "content", buffer);
        return parts;
      }
    }
    return parts;
  };

  const flush = (): ThinkParts => {
    const parts: ThinkParts = { reasoning: "", content: "" };
    const rest = pending;
    pending = "";
    if (rest === "") return parts;
    if (mode === "reasoning" || (mode === "start" && implicitOpen)) emit(parts, "reasoning", rest);
    else emit(parts, "content", rest);
    return parts;
  };

  return { push, flush };
}

/** Length of the tail to hold back: trailing whitespace plus the longest proper prefix of `</think>`. */
function heldBack(buffer: string): number {
  let tag = 0;
  for (let n = Math.min(CLOSE.length - 1, buffer.length); n > 0; n--) {
    if (buffer.endsWith(CLOSE.slice(0, n))) {
      tag = n;
      break;
    }
  }
  const before = buffer.slice(0, buffer.length - tag);
  return tag + (before.length - before.trimEnd().length);
}

/** Splits a whole completion at once (non-streaming replies). */
export function splitThink(text: string, options?: ThinkSplitterOptions): ThinkParts {
  const splitter = createThinkSplitter(options);
  const a = splitter.push(text);
  const b = splitter.flush();
  return { reasoning: a.reasoning + b.reasoning, content: a.content + b.content };
}

/**
 * Re-shapes an event stream whose content carries inline `<think>` tags into reasoning and content
 * deltas. Reasoning that already arrives apart passes through unchanged.
 */
export async function* splitThinkEvents(
  events: AsyncIterable<UpstreamEvent>,
  options?: ThinkSplitterOptions,
): AsyncGenerator<UpstreamEvent> {
  const splitter = createThinkSplitter(options);
  for await (const event of events) {
    if (event.type === "done") {
      const rest = splitter.flush();
      const last = deltaEvent(rest.reasoning, rest.content);
      if (last) yield last;
      yield event;
      return;
    }
    const parts = event.content ? splitter.push(event.content) : { reasoning: "", content: "" };
    const out = deltaEvent((event.reasoning ?? "") + parts.reasoning, parts.content);
    if (out) yield out;
  }
}
