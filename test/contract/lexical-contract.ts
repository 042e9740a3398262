/**
 * @module The contract of `VectorIndex.lexical` (candidates by shared words, whatever the cosine); run
 * by vector-index-contract.ts for every backend that declares it.
 */
import { describe, expect, it } from "vitest";
import type { VectorIndex } from "../../src/semantic/vectors/types";
import { exactCosine, neighbour, randomUnit, record, rng, scope } from "../helpers/vectors";

const DIMS = 64;

/** Prompts that would break a naive FTS5 query: operators, quotes, column filters, odd unicode, size. */
export const HOSTILE_PROMPTS: readonly string[] = [
  '"',
  '""" Order "Blocks',
  "Order Blocks NEAR(",
  "NEAR(order blocks, 2)",
  "order* OR blocks*",
  "*",
  "- order - blocks -",
  "NOT order AND blocks OR",
  "question : order",
  "{fingerprint question} : blocks",
  "fingerprint:abc AND order",
  "^order + blocks",
  "(order blocks",
  "order blocks)",
  "'; DROP TABLE vectors; --",
  "\u0000 order \u0000 blocks",
  "ordér bløcks 🚀🚀 Ордер блоки 订单块 كتلة الطلب",
  "o\u0301rder\u200b blocks\u202e",
  // Letters newer than SQLite's Unicode 6.1 tables: the tokenizer sees separators, a phrase of nothing.
  "\u{31350}\u{31351} \uA7C0\uA7C1",
  "order \u{31350}\u{31351}",
  "?!.,;:",
  "",
  `Order Blocks ${"x".repeat(10_000)}`,
  `${'"order" NEAR( * - : '.repeat(700)}`,
  Array.from({ length: 2_000 }, (_, i) => `word${i}`).join(" "),
];

/** Runs the lexical contract against indexes made by `factory` (which must implement `lexical`). */
export function testLexicalSearch(factory: () => VectorIndex | Promise<VectorIndex>): void {
  const lexicalOf = async () => {
    const index = await factory();
    const lexical = index.lexical?.bind(index);
    if (!lexical) throw new Error(`${index.name} declares lexical search but has none`);
    return { index, lexical };
  };

  describe("lexical candidates", () => {
    it("finds a paraphrase by one shared rare term when its vector is far and not among the nearest", async () => {
      const { index, lexical } = await lexicalOf();
      const at = scope();
      const random = rng(31);
      const query = randomUnit(DIMS, random);
      const paraphrase = record(at, randomUnit(DIMS, random), { text: "O que são Order Blocks?" });
      const nearer = record(at, neighbour(query, 0.1, random), { text: "How do I reset my password?" });
      await index.upsert([paraphrase, nearer]);
      const q = { ...at, vector: query, topK: 1 };
      expect((await index.query(q)).map((m) => m.id)).toEqual([nearer.id]);
      const found = await lexical({ ...q, text: "Explique Order Blocks no trading" });
      expect(found.map((m) => m.id)).toEqual([paraphrase.id]);
      expect(found[0]?.text).toBe("O que são Order Blocks?");
      expect(found[0]?.score).toBeCloseTo(exactCosine(query, paraphrase.vector), 2);
    });

    it("folds case and accents and drops stop words on both sides", async () => {
      const { index, lexical } = await lexicalOf();
      const at = scope();
      const vector = randomUnit(DIMS, rng(32));
      const stored = record(at, vector, { text: "Qual o PREÇO das AÇÕES da Petrobras?" });
      const other = record(at, vector, { text: "Qual é o melhor horário para operar?" });
      await index.upsert([stored, other]);
      const ask = (text: string) => lexical({ ...at, vector, text, topK: 5 });
      expect((await ask("preco acoes")).map((m) => m.id)).toEqual([stored.id]);
      expect((await ask("petrobrás")).map((m) => m.id)).toEqual([stored.id]);
      // Only stop words ("qual", "o", "das", "da", "para"): nothing to search for.
      expect(await ask("Qual o da das para?")).toEqual([]);
    });

    it("ranks more shared terms first and returns at most topK", async () => {
      const { index, lexical } = await lexicalOf();
      const at = scope();
      const vector = randomUnit(DIMS, rng(33));
      const two = record(at, vector, { text: "fair value gap on the daily chart" });
      const one = record(at, vector, { text: "what is a fair price" });
      const third = record(at, vector, { text: "liquidity sweep explained" });
      await index.upsert([one, third, two]);
      const q = { ...at, vector, text: "Fair value gap explained simply?" };
      const hits = await lexical({ ...q, topK: 5 });
      expect(hits[0]?.id).toBe(two.id);
      expect(hits.map((m) => m.id).sort()).toEqual([two.id, one.id, third.id].sort());
      expect(await lexical({ ...q, topK: 1 })).toHaveLength(1);
      expect(await lexical({ ...q, topK: 0 })).toEqual([]);
    });

    it("never matches across namespaces or context fingerprints", async () => {
      const { index, lexical } = await lexicalOf();
      const at = scope();
      const otherContext = { ...at, fingerprint: scope().fingerprint };
      const otherTenant = { namespace: `${at.namespace}-other`, fingerprint: at.fingerprint };
      const vector = randomUnit(DIMS, rng(34));
      const text = "O que são Order Blocks?";
      const mine = record(at, vector, { text });
      await index.upsert([
        mine,
        record(otherContext, vector, { text }),
        record(otherTenant, vector, { text }),
      ]);
      const q = { vector, text: "order blocks", topK: 5 };
      expect((await lexical({ ...q, ...at })).map((m) => m.id)).toEqual([mine.id]);
      expect(await lexical({ ...q, ...at, fingerprint: scope().fingerprint })).toEqual([]);
      expect(await lexical({ ...q, namespace: `${at.namespace}-none`, fingerprint: at.fingerprint })).toEqual(
        [],
      );
    });

    it("forgets deleted, replaced and cleared records", async () => {
      const { index, lexical } = await lexicalOf();
      const at = scope();
      const vector = randomUnit(DIMS, rng(35));
      const gone = record(at, vector, { text: "order blocks explained" });
      const replaced = record(at, vector, { text: "order blocks on the hourly chart" });
      await index.upsert([gone, replaced]);
      await index.delete([gone.id], at.namespace);
      await index.upsert([{ ...replaced, text: "breaker blocks on the hourly chart" }]);
      const ask = (text: string) => lexical({ ...at, vector, text, topK: 5 });
      expect(await ask("order")).toEqual([]);
      expect((await ask("breaker")).map((m) => m.text)).toEqual(["breaker blocks on the hourly chart"]);
      if (!index.clear) return;
      await index.clear(at.namespace);
      expect(await ask("breaker blocks")).toEqual([]);
    });

    it("never throws on hostile prompts, as query or as stored text", async () => {
      const { index, lexical } = await lexicalOf();
      const at = scope();
      const vector = randomUnit(DIMS, rng(36));
      const normal = record(at, vector, { text: "O que são Order Blocks?" });
      await index.upsert([normal, ...HOSTILE_PROMPTS.map((text) => record(at, vector, { text }))]);
      for (const text of HOSTILE_PROMPTS) {
        const hits = await lexical({ ...at, vector, text, topK: 3 });
        expect(hits.length).toBeLessThanOrEqual(3);
      }
      const found = await lexical({ ...at, vector, text: 'Order "Blocks" NEAR( * -', topK: 30 });
      expect(found.map((m) => m.id)).toContain(normal.id);
    });
  });
}
