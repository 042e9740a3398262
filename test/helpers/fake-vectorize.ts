/**
 * @module A fake of the Vectorize binding (which cannot run locally): records every call we make and
 * answers like a cosine index would, honouring namespace, `$eq` filters, topK and returnMetadata.
 */
import { exactCosine } from "./vectors";

type Binding = Pick<VectorizeIndex, "query" | "upsert" | "deleteByIds" | "getByIds">;

export interface FakeVectorize extends Binding {
  readonly upserts: VectorizeVector[][];
  readonly queries: Array<{ vector: Float32Array; options: VectorizeQueryOptions | undefined }>;
  readonly deletes: string[][];
  readonly gets: string[][];
  readonly stored: Map<string, VectorizeVector>;
  /** Extra matches appended to every answer (e.g. another app's vectors, or float noise). */
  extra: VectorizeMatch[];
}

function passes(
  meta: VectorizeVector["metadata"],
  filter: VectorizeVectorMetadataFilter | undefined,
): boolean {
  for (const [field, condition] of Object.entries(filter ?? {})) {
    const wanted =
      typeof condition === "object" && condition !== null && "$eq" in condition ? condition.$eq : condition;
    if (meta?.[field] !== wanted) return false;
  }
  return true;
}

export function createFakeVectorize(): FakeVectorize {
  const fake: FakeVectorize = {
    upserts: [],
    queries: [],
    deletes: [],
    gets: [],
    stored: new Map(),
    extra: [],
    async upsert(vectors) {
      fake.upserts.push(vectors);
      for (const v of vectors) fake.stored.set(v.id, v);
      return { ids: vectors.map((v) => v.id), count: vectors.length };
    },
    async deleteByIds(ids) {
      fake.deletes.push(ids);
      for (const id of ids) fake.stored.delete(id);
      return { ids, count: ids.length };
    },
    async getByIds(ids) {
      fake.gets.push(ids);
      return ids.flatMap((id) => {
        const v = fake.stored.get(id);
        return v ? [v] : [];
      });
    },
    async query(vector, options) {
      const query = vector instanceof Float32Array ? vector : new Float32Array(vector);
      fake.queries.push({ vector: query, options });
      const matches: VectorizeMatch[] = [...fake.stored.values()]
        .filter((v) => v.namespace === options?.namespace && passes(v.metadata, options?.filter))
        .map(
          (v): VectorizeMatch => ({
            id: v.id,
            namespace: v.namespace,
            score: exactCosine(
              query,
              v.values instanceof Float32Array ? v.values : new Float32Array(v.values),
            ),
            ...(options?.returnMetadata === "all" ? { metadata: v.metadata } : {}),
          }),
        )
        .concat(fake.extra)
        .sort((a, b) => b.score - a.score)
        .slice(0, options?.topK ?? 5);
      return { matches, count: matches.length };
    },
  };
  return fake;
}
