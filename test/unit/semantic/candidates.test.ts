import { describe, expect, it } from "vitest";
import { unionMatches } from "../../../src/semantic/candidates";
import type { LexicalMatch, VectorMatch } from "../../../src/semantic/vectors/types";

const vector = (id: string, score: number): VectorMatch => ({ id, score, text: `v ${id}`, createdAt: 1 });
const lexical = (id: string, score: number | undefined): LexicalMatch => ({
  id,
  score,
  relevance: 1,
  text: `l ${id}`,
  createdAt: 2,
});

describe("union of vector and lexical candidates", () => {
  it("keeps one candidate per id, marks those found twice as both, and keeps the vector's cosine", () => {
    const union = unionMatches([vector("a", 0.9), vector("b", 0.8)], [lexical("b", 0.79), lexical("c", 0.5)]);
    expect(union.map((m) => [m.id, m.source, m.similarity, m.text])).toEqual([
      ["a", "vector", 0.9, "v a"],
      ["b", "both", 0.8, "v b"],
      ["c", "lexical", 0.5, "l c"],
    ]);
  });

  it("orders by similarity, unknown last, and is bounded by the two lists", () => {
    const union = unionMatches(
      [vector("a", 0.6), vector("a", 0.6)],
      [lexical("x", undefined), lexical("y", 0.95), lexical("z", undefined), lexical("y", 0.95)],
    );
    expect(union.map((m) => m.id)).toEqual(["y", "a", "x", "z"]);
    expect(unionMatches([], [])).toEqual([]);
  });
});
