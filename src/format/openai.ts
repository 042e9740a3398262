/** @module OpenAI chat-completion shapes: the JSON body and the SSE chunks, for hits and misses alike. */
import type { CacheEntry } from "../cache/entry";
import { CacheError } from "../errors";
import type { ReasoningFormat, UpstreamEvent } from "../upstream/types";

export interface CompletionMeta {
  id: string;
  model: string;
  /** Epoch seconds. */
  created: number;
}

/** The assistant message in the upstream's own shape: `reasoning_content`, or `<think>` inline. */
export function assistantMessage(entry: Pick<CacheEntry, "reasoning" | "content" | "reasoningFormat">) {
  if (entry.reasoningFormat === "think-tags") {
    const think = entry.reasoning ? `<think>${entry.reasoning}</think>` : "";
    return { role: "assistant" as const, content: think + entry.content };
  }
  return {
    role: "assistant" as const,
    content: entry.content,
    ...(entry.reasoningFormat === "reasoning_content" && { reasoning_content: entry.reasoning }),
  };
}

/** A non-streaming `chat.completion` body. */
export function completionBody(meta: CompletionMeta, entry: CacheEntry) {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      { index: 0, message: assistantMessage(entry), logprobs: null, finish_reason: entry.finishReason },
    ],
    usage: entry.usage,
  };
}

/**
 * The JSON of what a completion body takes from its entry (`"choices":…,"usage":…}`), rendered once per
 * entry object. L1 hands back the same entry object on every hit; entries are never mutated, and the
 * WeakMap lets an entry's rendering go when the entry does.
 */
const renderedTails = new WeakMap<CacheEntry, string>();

function completionTail(entry: CacheEntry): string {
  let tail = renderedTails.get(entry);
  if (tail === undefined) {
    const { choices, usage } = completionBody({ id: "", model: "", created: 0 }, entry);
    // `{"choices":…}` without its opening brace: the per-request fields are written before it.
    tail = JSON.stringify({ choices, usage }).slice(1);
    renderedTails.set(entry, tail);
  }
  return tail;
}

/**
 * `JSON.stringify(completionBody(meta, entry))`, byte for byte, with the entry's part rendered once:
 * only `id`, `created` and `model` (which belong to the request) are written per response.
 */
export function completionJson(meta: CompletionMeta, entry: CacheEntry): string {
  const head = `{"id":${JSON.stringify(meta.id)},"object":"chat.completion","created":${JSON.stringify(meta.created)},"model":${JSON.stringify(meta.model)}`;
  return `${head},${completionTail(entry)}`;
}

const encoder = new TextEncoder();
const sse = (data: unknown): Uint8Array => encoder.encode(`data: ${JSON.stringify(data)}\n\n`);

/** Maps reasoning deltas to the wire field, opening and closing `<think>` for think-tag upstreams. */
function deltaWriter(format: ReasoningFormat) {
  let thinking = false;
  const write = (event: { reasoning?: string; content?: string }): Record<string, string> | null => {
    const { reasoning, content } = event;
    if (format !== "think-tags") {
      const delta: Record<string, string> = {};
      if (reasoning && format === "reasoning_content") delta.reasoning_content = reasoning;
      if (content) delta.content = content;
      return Object.keys(delta).length > 0 ? delta : null;
    }
    let text = "";
    if (reasoning) {
      text += (thinking ? "" : "<think>") + reasoning;
      thinking = true;
    }
    if (content) {
      text += (thinking ? "</think>" : "") + content;
      thinking = false;
    }
    return text ? { content: text } : null;
  };
  /** What the stream still owes at its end: a `</think>` left open by an answer that was all reasoning. */
  const close = (): Record<string, string> => (thinking ? { content: "</think>" } : {});
  return { write, close };
}

/**
 * An SSE body of `chat.completion.chunk`s ending in `data: [DONE]`. An error after the stream has
 * started is sent as an `error` event and the stream ends without `[DONE]`, so clients see the cut.
 */
export function completionStream(
  meta: CompletionMeta,
  format: ReasoningFormat,
  events: AsyncIterable<UpstreamEvent>,
  includeUsage: boolean,
): ReadableStream<Uint8Array> {
  const chunk = (delta: Record<string, string>, finish: string | null) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const { write, close } = deltaWriter(format);
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(sse(chunk({ role: "assistant", content: "" }, null)));
      try {
        for await (const event of events) {
          if (event.type === "delta") {
            const delta = write(event);
            if (delta) controller.enqueue(sse(chunk(delta, null)));
            continue;
          }
          controller.enqueue(sse(chunk(close(), event.finishReason)));
          if (includeUsage && event.usage)
            controller.enqueue(sse({ ...chunk({}, null), choices: [], usage: event.usage }));
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
        }
      } catch (error) {
        const body =
          error instanceof CacheError
            ? error.toJSON()
            : { error: { message: "upstream failed", type: "upstream_error" } };
        controller.enqueue(sse(body));
      }
      controller.close();
    },
  });
}
