import { describe, expect, it } from "vitest";
import { createTemplateRegistry } from "../../../src/semantic/templates";
import { STRICT_MIN_SCORE } from "../../../src/semantic/verifier/model/weights";
import {
  DEFAULT_MIN_SCORE,
  DEFAULT_THRESHOLD,
  scorePair,
  verifyMatch,
} from "../../../src/semantic/verifier/verify";
import fixture from "../../fixtures/near-misses.json";

const templates = createTemplateRegistry(fixture.templates);

describe("verifyMatch rejects every near-miss kind with the right reason", () => {
  // A near-identical similarity: the encoder cannot tell these apart, so the verifier must.
  for (const pair of fixture.nearMisses) {
    it(`${pair.lang} ${pair.kind}: "${pair.a}" vs "${pair.b}"`, () => {
      const r = verifyMatch(pair.a, pair.b, 0.97, { templates });
      expect(r.accept).toBe(false);
      expect(r.score).toBe(0);
      expect(r.conflicts[0]?.kind).toBe(pair.kind);
      expect(r.reason.startsWith(`${pair.kind}: `)).toBe(true);
    });
  }
});

describe("verifyMatch reasons name the evidence", () => {
  it.each([
    ["Should I buy EUR/USD now?", "Should I sell EUR/USD now?", "direction: buy vs sell"],
    ["risk 1% per trade", "risk 2% per trade", "number: 1% vs 2%"],
    ["Analyze AAPL using RSI", "Analyze TSLA using RSI", "identifier: aapl vs tsla"],
    ["EUR/USD outlook", "GBP/USD outlook", "identifier: eur/usd vs gbp/usd"],
    [
      "How do I use load_from_disk()?",
      "How do I use save_to_disk()?",
      "identifier: load_from_disk vs save_to_disk",
    ],
    ["Lucro em março de 2023", "Lucro em março de 2024", "date: y2023 vs y2024"],
    ["Por que o dólar subiu?", "Por que o dólar caiu?", "direction: subiu vs caiu"],
    ["Operar com stop", "Operar sem stop", 'negation: "sem" only in the candidate'],
    ["Convert Celsius to Fahrenheit", "Convert Fahrenheit to Celsius", "order: celsius to fahrenheit"],
  ])("%s / %s -> %s", (a, b, reason) => {
    const r = verifyMatch(a, b, 0.98);
    expect(r.accept).toBe(false);
    expect(r.reason).toContain(reason);
  });
});

describe("verifyMatch accepts true paraphrases at high similarity", () => {
  // Every paraphrase in the fixture passes the hard checks; at a high similarity the score accepts it.
  for (const pair of fixture.paraphrases) {
    it(`${pair.lang}: "${pair.a}" ~ "${pair.b}"`, () => {
      const r = verifyMatch(pair.a, pair.b, 0.95, { templates });
      expect(r.conflicts).toEqual([]);
      expect(r.accept).toBe(true);
      expect(r.score).toBeGreaterThanOrEqual(DEFAULT_MIN_SCORE);
    });
  }

  it("the same paraphrase is rejected when its similarity is low", () => {
    const r = verifyMatch("What is market liquidity?", "What does market liquidity mean?", 0.5);
    expect(r.accept).toBe(false);
  });
});

describe("threshold behaviour", () => {
  const a = "What is an order block?";
  const b = "What are order blocks?";

  it("rejects below the similarity threshold and says so", () => {
    const r = verifyMatch(a, b, DEFAULT_THRESHOLD - 0.01);
    expect(r.accept).toBe(false);
    expect(r.reason).toContain("below threshold");
  });

  it("honours a caller's threshold in both directions", () => {
    expect(verifyMatch(a, b, 0.9, { threshold: 0.95 }).accept).toBe(false);
    expect(verifyMatch(a, b, 0.9, { threshold: 0.85 }).accept).toBe(true);
  });

  it("honours a caller's minimum score", () => {
    const score = scorePair(a, b, 0.9);
    expect(verifyMatch(a, b, 0.9, { minScore: score + 0.001 }).accept).toBe(false);
    expect(verifyMatch(a, b, 0.9, { minScore: score - 0.001 }).accept).toBe(true);
  });

  it("scores rise with similarity for the same texts", () => {
    expect(scorePair(a, b, 0.95)).toBeGreaterThan(scorePair(a, b, 0.82));
  });

  it("accepts identical text after case and punctuation folding", () => {
    const r = verifyMatch("Explain the MACD", "explain the macd!", DEFAULT_THRESHOLD);
    expect(r).toMatchObject({ accept: true, score: 1 });
  });

  it("accepts identical text even when a case-sensitive encoder scores it low", () => {
    expect(verifyMatch("Analisar AAPL usando RSI", "analisar aapl usando rsi", 0.6).accept).toBe(true);
    expect(verifyMatch("What is C++?", "What is C?", 0.99).reason).not.toContain("same text");
  });

  it("ships a strict preset stricter than the default", () => {
    expect(STRICT_MIN_SCORE).toBeGreaterThan(DEFAULT_MIN_SCORE);
    expect(STRICT_MIN_SCORE).toBeLessThan(1);
  });
});
