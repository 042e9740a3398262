/** @module The context fingerprint: what must be equal, besides the question, for an answer to carry over. */
import { sha256Hex } from "../cache/codec";
import { stableStringify } from "../cache/key";
import type { ChatParams } from "../upstream/types";

/**
 * Splits a canonical request into the question semantic matching compares (the last user message)
 * and the fingerprint of everything else: model, parameters, system prompt and all earlier turns.
 * Two prompts are only ever compared when their fingerprints are equal.
 */
export async function semanticScope(
  params: ChatParams,
  embedderModel: string,
): Promise<{ question: string; fingerprint: string }> {
  const lastUser = params.messages.findLastIndex((m) => m.role === "user");
  const question = lastUser >= 0 ? (params.messages[lastUser]?.content ?? "") : "";
  const context = { ...params, messages: params.messages.filter((_, i) => i !== lastUser) };
  // The embedder is in the scope too: vectors of two models are never comparable.
  return { question, fingerprint: await sha256Hex(stableStringify({ v: 1, embedderModel, ...context })) };
}
