import { describe, expect, it } from "vitest";
import { createLexicalEmbedder } from "../../../src/semantic/embedders/lexical";
import { cosine } from "../../../src/semantic/vectors/math";

describe("createLexicalEmbedder", () => {
  it("returns the same vector for the same text, across instances", async () => {
    const [a] = await createLexicalEmbedder().embed(["Should I buy EUR/USD now?"]);
    const [b] = await createLexicalEmbedder().embed(["Should I buy EUR/USD now?"]);
    expect(a).toBeDefined();
    expect(Array.from(a ?? [])).toEqual(Array.from(b ?? []));
  });

  it("returns unit vectors of the configured size and names the model after it", async () => {
    const embedder = createLexicalEmbedder({ dimensions: 64 });
    const [v] = await embedder.embed(["O que são Order Blocks?"]);
    expect(embedder.dimensions).toBe(64);
    expect(embedder.model).toContain("64");
    expect(v?.length).toBe(64);
    expect(cosine(v ?? new Float32Array(), v ?? new Float32Array())).toBeCloseTo(1, 5);
  });

  it("scores near-identical wording above unrelated text", async () => {
    const [q, near, far] = await createLexicalEmbedder().embed([
      "Should I buy EUR/USD now?",
      "Should I sell EUR/USD now?",
      "Recipe for a chocolate cake",
    ]);
    const empty = new Float32Array();
    const nearSim = cosine(q ?? empty, near ?? empty);
    expect(nearSim).toBeGreaterThan(0.7);
    expect(nearSim).toBeGreaterThan(cosine(q ?? empty, far ?? empty) + 0.4);
  });

  it("embeds empty text to a finite unit vector", async () => {
    const [v] = await createLexicalEmbedder({ dimensions: 32 }).embed(["?!"]);
    const norm = Math.sqrt(Array.from(v ?? []).reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 5);
  });
});
