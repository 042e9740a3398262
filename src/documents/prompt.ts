/** @module The R1 prompt of a question asked with `use_context`: the retrieved chunks, cited by id. */
import type { ChatMessage } from "../upstream/types";
import type { Source } from "./retrieve";

const INSTRUCTIONS =
  "Answer using the sources below. Cite each source you use by its id in square brackets, e.g. " +
  "[report#1a2b3c4d5e6f]. If the sources do not hold the answer, say so.";

/** The id a source is cited by: its document and the start of its chunk id. */
export function citation(source: Pick<Source, "context_id" | "chunk_id">): string {
  return `${source.context_id}#${source.chunk_id.slice(0, 12)}`;
}

/**
 * The system message carrying `sources`, or undefined when there are none (the question is then
 * asked, and keyed, exactly as without `use_context`). Its text is part of the exact key and of the
 * semantic context fingerprint: an answer is only ever served for the same retrieved chunks.
 */
export function contextMessage(sources: readonly Source[]): ChatMessage | undefined {
  if (sources.length === 0) return undefined;
  const blocks = sources.map((s) => `[${citation(s)}]\n${s.text}`);
  return { role: "system", content: `${INSTRUCTIONS}\n\n${blocks.join("\n\n")}` };
}

/** `messages` with the context message placed right before the last user message. */
export function withContext(messages: readonly ChatMessage[], sources: readonly Source[]): ChatMessage[] {
  const message = contextMessage(sources);
  if (!message) return [...messages];
  const last = messages.findLastIndex((m) => m.role === "user");
  const at = last < 0 ? messages.length : last;
  return [...messages.slice(0, at), message, ...messages.slice(at)];
}
