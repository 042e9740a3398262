/** @module The context fingerprint: what must be equal, besides the question, for an answer to carry over. */
import { sha256Hex } from "../cache/codec";
import { stableStringify } from "../cache/key";
import type { ChatParams } from "../upstream/types";

/**
 * Splits a canonical request into the question semantic matching compares (the last user message)
 * and the fingerprint of everything else: model, parameters, system prompt and all earlier turns.
 * Two prompts are only ever compared when their fingerprints are equal. `context` is that everything
 * else as stable JSON: kept in D1 (semantic_scopes), it lets a rebuild recompute the fingerprint for
 * any embedder.
 */
export async function semanticScope(
  params: ChatParams,
  embedderModel: string,
): Promise<{ question: string; fingerprint: string; context: string }> {
  const lastUser = params.messages.findLastIndex((m) => m.role === "user");
  const question = lastUser >= 0 ? (params.messages[lastUser]?.content ?? "") : "";
  const context = { ...params, messages: params.messages.filter((_, i) => i !== lastUser) };
  return {
    question,
    fingerprint: await fingerprintOf(context, embedderModel),
    context: stableStringify(context),
  };
}

/** The fingerprint of a context (an object, or its stored JSON) for one embedder model. */
export function fingerprintOf(context: object | string, embedderModel: string): Promise<string> {
  const fields = typeof context === "string" ? (JSON.parse(context) as object) : context;
  // The embedder is in the scope too: vectors of two models are never comparable.
  return sha256Hex(stableStringify({ v: 1, embedderModel, ...fields }));
}
