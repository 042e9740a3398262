import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createLexicalEmbedder } from "../../src/semantic/embedders/lexical";
import { BUNDLED_CALIBRATION } from "../../src/semantic/verifier/model/weights";
import { ADMIN, call, chat } from "../helpers/worker";

/** A Workers AI binding whose bge-m3 vectors come from the deterministic lexical hasher. */
function fakeBgeM3(): Ai {
  const lexical = createLexicalEmbedder({ dimensions: 1024 });
  const run = async (_model: string, inputs: { text: string[] }) => {
    const vectors = await lexical.embed(inputs.text);
    return { shape: [vectors.length, 1024], data: vectors.map((v) => [...v]) };
  };
  return { run } as unknown as Ai;
}

const DEPLOYED: Partial<Env> = { EMBEDDINGS_BACKEND: "workers-ai", AI: fakeBgeM3() };
const stats = async (env: Partial<Env> = {}) => (await call("/admin/stats", { headers: ADMIN, env })).json();
const ask = (prompt: string, env: Partial<Env> = {}) =>
  call("/v1/chat/completions", { body: chat(prompt), env });

// A long statement and a rewording of it: the rules leave the pair open, only a calibrated score decides.
const STATEMENT =
  "The map() function helps preprocess the entire dataset at once using batches of examples in parallel.";
const REWORDED =
  "The map() function assists in preprocessing the whole dataset in one go using batches of examples in parallel.";

describe("the verifier runs calibrated only with a calibration for the active embedder", () => {
  it("the bundled encoder is calibrated, and /admin/stats says so", async () => {
    const { semantic } = await stats();
    expect(semantic).toEqual({
      embedder: "use-lite-en-0.2.0",
      calibration: "use-lite-en-0.2.0 (qqp-dev.jsonl rows 0-7,999)",
      mode: "calibrated",
    });
  });

  it("the strict preset turns the score off", async () => {
    await call("/admin/config", { method: "PATCH", body: { semanticPreset: "strict" }, headers: ADMIN });
    expect((await stats()).semantic.mode).toBe("rules-only");
    const bad = await call("/admin/config", {
      method: "PATCH",
      body: { semanticPreset: "loose" },
      headers: ADMIN,
    });
    expect(bad.status).toBe(400);
    expect(bad.json().error.param).toBe("semanticPreset");
    await call("/admin/config", { method: "DELETE", headers: ADMIN });
  });

  it("a deployed embedder with no calibration runs rules-only: open pairs are never served", async () => {
    expect((await stats(DEPLOYED)).semantic).toEqual({
      embedder: "@cf/baai/bge-m3",
      calibration: null,
      mode: "rules-only",
    });
    await ask(STATEMENT, DEPLOYED);
    const open = await ask(REWORDED, DEPLOYED);
    expect(open.headers.get("x-r1cache")).toBe("MISS");
    const search = await call("/v1/r1/search", { body: { prompt: REWORDED }, env: DEPLOYED });
    const candidate = search.json().matches.find((m: { prompt: string }) => m.prompt === STATEMENT);
    expect(candidate?.reason).toContain("rules-only");
    // Aligned paraphrases still hit on the rules alone.
    await ask("What is an order block in trading?", DEPLOYED);
    const aligned = await ask("Explain order blocks", DEPLOYED);
    expect(aligned.headers.get("x-r1cache-match")).toBe("semantic");
  });

  it("similarities come from the worker's own embedder, for `npm run calibrate`", async () => {
    const res = await call("/admin/calibration/similarities", {
      body: { pairs: [{ a: "What is RSI?", b: "Explain RSI" }] },
      headers: ADMIN,
      env: DEPLOYED,
    });
    expect(res.json()).toMatchObject({ embedder: "@cf/baai/bge-m3", dimensions: 1024 });
    expect(res.json().similarities[0]).toBeGreaterThan(0);
    const tooMany = Array.from({ length: 101 }, () => ({ a: "x", b: "y" }));
    const refused = await call("/admin/calibration/similarities", {
      body: { pairs: tooMany },
      headers: ADMIN,
    });
    expect(refused.status).toBe(400);
    expect(refused.json().error.param).toBe("pairs");
  });

  it("a stored calibration for the deployed embedder turns the score on; a stale one is refused", async () => {
    const fitted = { ...BUNDLED_CALIBRATION, embedder: "@cf/baai/bge-m3" };
    const stale = await call("/admin/calibration", {
      method: "PUT",
      body: { ...fitted, normalisation: 99 },
      headers: ADMIN,
      env: DEPLOYED,
    });
    expect(stale.status).toBe(400);
    const put = await call("/admin/calibration", {
      method: "PUT",
      body: fitted,
      headers: ADMIN,
      env: DEPLOYED,
    });
    expect(put.status).toBe(200);
    expect((await stats(DEPLOYED)).semantic).toMatchObject({
      embedder: "@cf/baai/bge-m3",
      mode: "calibrated",
    });
    await call("/admin/calibration", { method: "DELETE", headers: ADMIN, env: DEPLOYED });
    expect((await stats(DEPLOYED)).semantic.mode).toBe("rules-only");
  });

  it("client keys cannot reach the calibration routes", async () => {
    expect((await call("/admin/calibration")).status).toBe(403);
  });
});

describe("the reranker second stage (deployed, opt-in, calibrated)", () => {
  /** bge-m3 from the lexical hasher, and a cross-encoder that dislikes one prompt. */
  function fakeAi(): Ai {
    const embeddings = fakeBgeM3();
    const run = async (
      model: string,
      inputs: { text?: string[]; query?: string; contexts?: { text: string }[] },
    ) => {
      if (model !== "@cf/baai/bge-reranker-base") return embeddings.run(model as never, inputs as never);
      return {
        response: (inputs.contexts ?? []).map((c, id) => ({
          id,
          score: c.text.includes("vetoed") ? 0.01 : 0.99,
        })),
      };
    };
    return { run } as unknown as Ai;
  }
  const env: Partial<Env> = { EMBEDDINGS_BACKEND: "workers-ai", AI: fakeAi() };

  it("refuses a rule-accepted paraphrase the cross-encoder scores under the cut", async () => {
    const fitted = {
      ...BUNDLED_CALIBRATION,
      embedder: "@cf/baai/bge-m3",
      reranker: { model: "@cf/baai/bge-reranker-base", minScore: 0.5 },
    };
    expect(
      (await call("/admin/calibration", { method: "PUT", body: fitted, headers: ADMIN, env })).status,
    ).toBe(200);
    await call("/admin/config", { method: "PATCH", body: { semanticReranker: true }, headers: ADMIN });
    await ask("What is a vetoed order block?", env);
    const vetoed = await ask("Explain vetoed order blocks", env);
    expect(vetoed.headers.get("x-r1cache")).toBe("MISS");
    const search = await call("/v1/r1/search", { body: { prompt: "Explain vetoed order blocks" }, env });
    expect(search.json().matches[0].reason).toContain("reranker");
    await ask("What is a liquidity sweep?", env);
    const kept = await ask("Explain liquidity sweeps", env);
    expect(kept.headers.get("x-r1cache-match")).toBe("semantic");
    await call("/admin/config", { method: "DELETE", headers: ADMIN });
    await call("/admin/calibration", { method: "DELETE", headers: ADMIN, env });
  });
});
