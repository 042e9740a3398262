/** @module What each chat route streams, turned into deltas and end fields. */
import type { PayloadDecoder } from "./stream.js";
import type { ChatDelta, CompletionStreamEnd, NativeStreamEnd } from "./types.js";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `/v1/r1/chat`: `{reasoning}`, `{response}`, then `{done: true, finish_reason, cached, tier, ...}`. */
export const decodeNative: PayloadDecoder<NativeStreamEnd> = (payload) => {
  if (!isRecord(payload)) return { deltas: [] };
  if (payload.done === true) {
    const { done: _done, ...end } = payload;
    return { deltas: [], end: end as Partial<NativeStreamEnd> };
  }
  const deltas: ChatDelta[] = [];
  if (typeof payload.reasoning === "string" && payload.reasoning)
    deltas.push({ type: "reasoning", text: payload.reasoning });
  if (typeof payload.response === "string" && payload.response)
    deltas.push({ type: "content", text: payload.response });
  return { deltas };
};

/**
 * `/v1/chat/completions`: `chat.completion.chunk`s. `reasoning_content` is a reasoning delta; an
 * upstream that writes `<think>` into the content (distilled models) streams it as content, as sent.
 */
export const decodeCompletion: PayloadDecoder<CompletionStreamEnd> = (payload) => {
  if (!isRecord(payload)) return { deltas: [] };
  const end: Partial<CompletionStreamEnd> = {};
  if (isRecord(payload.usage)) end.usage = payload.usage as unknown as CompletionStreamEnd["usage"];
  const choice = Array.isArray(payload.choices) ? payload.choices[0] : undefined;
  const deltas: ChatDelta[] = [];
  if (isRecord(choice)) {
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (typeof delta.reasoning_content === "string" && delta.reasoning_content)
      deltas.push({ type: "reasoning", text: delta.reasoning_content });
    if (typeof delta.content === "string" && delta.content)
      deltas.push({ type: "content", text: delta.content });
    if (typeof choice.finish_reason === "string") end.finish_reason = choice.finish_reason;
  }
  return { deltas, end };
};
