/**
 * @module The candidates a semantic lookup verifies: the union of the vector index's nearest neighbours
 * and the lexical index's best word matches, one per entry, each saying where it came from.
 */
import type { LexicalMatch, VectorMatch } from "./vectors/types";
import type { CandidateSource } from "./verifier/types";

/** A stored question found by either source. */
export interface SourcedMatch {
  id: string;
  text: string;
  createdAt: number;
  /** Cosine with the query; undefined for a lexical match whose vector was not at hand. */
  similarity: number | undefined;
  source: CandidateSource;
}

/** Highest similarity first, unknown last; stable, so vector matches precede lexical ones on ties. */
function bySimilarity(a: SourcedMatch, b: SourcedMatch): number {
  // Two unknowns give -Infinity - -Infinity = NaN: equal.
  return (b.similarity ?? Number.NEGATIVE_INFINITY) - (a.similarity ?? Number.NEGATIVE_INFINITY) || 0;
}

/**
 * The union of both sources, deduplicated by id: an entry found by both is one candidate with source
 * `both` and the vector index's cosine. At most `vector.length + lexical.length` candidates, so the
 * count stays bounded by top-k of each source.
 */
export function unionMatches(
  vector: readonly VectorMatch[],
  lexical: readonly LexicalMatch[],
): SourcedMatch[] {
  const byId = new Map<string, SourcedMatch>();
  for (const m of vector) {
    if (byId.has(m.id)) continue;
    byId.set(m.id, { id: m.id, text: m.text, createdAt: m.createdAt, similarity: m.score, source: "vector" });
  }
  for (const m of lexical) {
    const seen = byId.get(m.id);
    if (seen) {
      if (seen.source === "vector") seen.source = "both";
      continue;
    }
    byId.set(m.id, {
      id: m.id,
      text: m.text,
      createdAt: m.createdAt,
      similarity: m.score,
      source: "lexical",
    });
  }
  return [...byId.values()].sort(bySimilarity);
}
