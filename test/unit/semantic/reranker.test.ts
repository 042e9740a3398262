import { describe, expect, it, vi } from "vitest";
import { rerankAccepted } from "../../../src/semantic/rerankers/second-stage";
import {
  createWorkersAiReranker,
  WORKERS_AI_RERANKER_MODEL,
} from "../../../src/semantic/rerankers/workers-ai";
import type { VerifyResult } from "../../../src/semantic/verifier/types";

/** A fake `AI` binding answering like bge-reranker-base: best first, `id` indexing the contexts. */
function fakeAi(scoreOf: (query: string, text: string) => number) {
  const run = vi.fn(async (_model: string, inputs: { query: string; contexts: { text: string }[] }) => ({
    response: inputs.contexts
      .map((c, id) => ({ id, score: scoreOf(inputs.query, c.text) }))
      .sort((a, b) => b.score - a.score),
  }));
  return { ai: { run } as unknown as Ai, run };
}

const verdict = (accept: boolean): VerifyResult => ({ accept, score: 1, reason: "rules", conflicts: [] });

describe("Workers AI reranker", () => {
  it("calls bge-reranker-base with the query and contexts, and maps scores back to their order", async () => {
    const { ai, run } = fakeAi((_q, t) => t.length / 10);
    const scores = await createWorkersAiReranker(ai).score("q", ["a", "abc", "ab"]);
    expect(run).toHaveBeenCalledWith(WORKERS_AI_RERANKER_MODEL, {
      query: "q",
      contexts: [{ text: "a" }, { text: "abc" }, { text: "ab" }],
      top_k: 3,
    });
    expect(scores).toEqual([0.1, 0.3, 0.2]);
  });

  it("refuses an answer that does not score every candidate", async () => {
    const run = vi.fn(async () => ({ response: [{ id: 0, score: 0.9 }] }));
    const reranker = createWorkersAiReranker({ run } as unknown as Ai, { retries: 0 });
    await expect(reranker.score("q", ["a", "b"])).rejects.toThrow(/did not score all 2/);
  });
});

describe("the reranker as a second stage", () => {
  const candidates = [
    { prompt: "keep", verdict: verdict(true) },
    { prompt: "drop", verdict: verdict(true) },
    { prompt: "rejected by the rules", verdict: verdict(false) },
  ];

  it("refuses accepted candidates under the cut and never accepts a rejected one", async () => {
    const scores: Record<string, number> = { keep: 0.9, drop: 0.1, "rejected by the rules": 0.99 };
    const reranker = {
      model: "fake",
      score: async (_q: string, c: readonly string[]) => c.map((t) => scores[t] ?? 0),
    };
    const out = await rerankAccepted(reranker, 0.5, "query", candidates, () => {});
    expect(out.map((c) => c.verdict.accept)).toEqual([true, false, false]);
    expect(out[1]?.verdict.reason).toContain("reranker fake score 0.100 below 0.500");
  });

  it("only sends the accepted candidates, in one call", async () => {
    const score = vi.fn(async (_q: string, c: readonly string[]) => c.map(() => 1));
    await rerankAccepted({ model: "fake", score }, 0.5, "query", candidates, () => {});
    expect(score).toHaveBeenCalledTimes(1);
    expect(score.mock.calls[0]?.[1]).toEqual(["keep", "drop"]);
  });

  it("keeps the rules' verdicts when the reranker fails", async () => {
    const onError = vi.fn();
    const failing = { model: "fake", score: async () => Promise.reject(new Error("3040 capacity")) };
    const out = await rerankAccepted(failing, 0.5, "query", candidates, onError);
    expect(out.map((c) => c.verdict.accept)).toEqual([true, true, false]);
    expect(onError).toHaveBeenCalledOnce();
  });
});
