import { describe, expect, it } from "vitest";
import {
  foldForIndex,
  ftsMatchExpression,
  lexicalTerms,
  MAX_INDEXED_CHARS,
  MAX_LEXICAL_TERMS,
} from "../../../src/semantic/vectors/lexical-query";
import { HOSTILE_PROMPTS } from "../../contract/lexical-contract";

const texts = (text: string) => lexicalTerms(text).map((t) => `${t.text}${t.prefix ? "*" : ""}`);

describe("lexical terms", () => {
  it("keeps the folded content words of English and Portuguese questions", () => {
    expect(texts("O que são Order Blocks?")).toEqual(["order*", "block*"]);
    expect(texts("Explique Order Blocks no trading")).toEqual(["explique*", "order*", "block*", "trad*"]);
    expect(texts("Qual o PREÇO das AÇÕES?")).toEqual(["preco*", "acoes"]);
    expect(texts("What is a fair value gap?")).toEqual(["fair*", "value*", "gap"]);
  });

  it("matches plural and singular through the part a word shares with its stem", () => {
    expect(texts("blocos strategies estratégias")).toEqual(["bloco*", "strateg*", "estrategia*"]);
  });

  it("drops stop words, one-character words and overlong tokens, and de-duplicates", () => {
    expect(texts("What is the best way to do it?")).toEqual([]);
    expect(texts(`x y z ${"a".repeat(49)} RSI rsi Rsi`)).toEqual(["rsi"]);
  });

  it(`uses at most ${MAX_LEXICAL_TERMS} terms, the first ones`, () => {
    const many = Array.from({ length: 100 }, (_, i) => `term${i}`).join(" ");
    const terms = lexicalTerms(many);
    expect(terms).toHaveLength(MAX_LEXICAL_TERMS);
    expect(terms[0]?.text).toBe("term0");
  });
});

describe("FTS5 match expression", () => {
  it("OR-s quoted terms within the fingerprint's column", () => {
    expect(ftsMatchExpression("ab12", lexicalTerms("Order Blocks RSI"))).toBe(
      'fingerprint : "ab12" AND question : ("order"* OR "block"* OR "rsi")',
    );
    expect(ftsMatchExpression("ab12", [])).toBeUndefined();
  });

  it("lets no FTS5 syntax of a prompt through: every term is letters and digits inside quotes", () => {
    for (const prompt of HOSTILE_PROMPTS) {
      const expression = ftsMatchExpression("fp", lexicalTerms(prompt));
      if (expression === undefined) continue;
      const inner = expression.slice(expression.indexOf("(") + 1, -1);
      for (const phrase of inner.split(" OR ")) expect(phrase).toMatch(/^"[\p{L}\p{N}]+"\*?$/u);
    }
  });

  it("escapes quotes in the fingerprint", () => {
    expect(ftsMatchExpression('a"b', lexicalTerms("order"))).toContain('fingerprint : "a""b"');
  });
});

describe("indexed text", () => {
  it("is folded and cut", () => {
    expect(foldForIndex("O que SÃO Order Blocks?")).toBe("o que sao order blocks?");
    expect(foldForIndex("é".repeat(MAX_INDEXED_CHARS + 10))).toHaveLength(MAX_INDEXED_CHARS);
  });
});
