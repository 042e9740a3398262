import { describe, expect, it } from "vitest";
import { alignTerms } from "../../../src/semantic/verifier/rules/align";
import { stripFrame } from "../../../src/semantic/verifier/rules/frame";
import { lemma, sameWord } from "../../../src/semantic/verifier/rules/lemma";
import { ruleVerdict } from "../../../src/semantic/verifier/rules/rules";

describe("stripFrame", () => {
  it.each([
    ["O que são Order Blocks?", "explain", "order blocks"],
    ["Me explica o que são Order Blocks no trading", "explain", "order blocks no trading"],
    ["Você pode me explicar o que é liquidez?", "explain", "liquidez"],
    ["Can you tell me what a stop-loss is?", "explain", "a stop loss is"],
    ["What does market liquidity mean?", "explain", "market liquidity"],
    ["What does risk management mean in trading?", "explain", "risk management in trading"],
    ["How does compound interest work?", "mechanism", "compound interest"],
    ["Como a alavancagem funciona no forex?", "mechanism", "a alavancagem no forex"],
    ["How do I calculate the RSI?", "how", "calculate the rsi"],
    ["Como eu calculo o RSI?", "how", "calculo o rsi"],
    ["What is the best way to learn Python?", "how", "learn python"],
    ["Why does diversification matter?", "why", "does diversification matter"],
    ["Should I buy EUR/USD now?", "advice", "i buy eur usd now"],
    ["What are some good books on trading?", "list", "good books on trading"],
    ["What is the best broker?", "list", "the best broker"],
    ["How sanitary are landfills?", "other-how", "how sanitary are landfills"],
  ])("%s -> %s: %s", (text, intent, body) => {
    const f = stripFrame(text);
    expect(f.intent).toBe(intent);
    expect(f.body.join(" ")).toBe(body);
  });

  it("keeps capitalised acronyms and one-letter names, and tells questions from statements", () => {
    expect([...stripFrame("What are the top IT jobs?").acronyms]).toEqual(["it"]);
    expect(stripFrame("Sources of vitamin D").acronyms.has("d")).toBe(true);
    expect(stripFrame("What is X?").question).toBe(true);
    expect(stripFrame("Datasets can be loaded from CSV files").question).toBe(false);
  });
});

describe("sameWord", () => {
  it.each([
    ["calculate", "calculated"],
    ["calculo", "calculate"],
    ["funcionam", "funciona"],
    ["colour", "color"],
    ["analyse", "analyze"],
    ["investment", "investing"],
    ["strategies", "strategy"],
    ["indicator", "indicador"],
    ["ways", "way"],
  ])("%s = %s", (a, b) => expect(sameWord(a, b)).toBe(true));

  it.each([
    ["inflation", "deflation"],
    ["uptrend", "downtrend"],
    ["microcap", "macrocap"],
    ["overbought", "oversold"],
    ["product", "production"],
    ["homeopaths", "homeopathy"],
    ["price", "prize"],
    ["stock", "stack"],
    ["gold", "good"],
  ])("%s != %s", (a, b) => expect(sameWord(a, b)).toBe(false));

  it("lemmas strip inflection but keep short or invariable words", () => {
    expect(lemma("blocos")).toBe("bloco");
    expect(lemma("analysis")).toBe("analysis");
    expect(lemma("bus")).toBe("bus");
  });
});

describe("alignTerms", () => {
  const body = (t: string) => stripFrame(t).body;
  it("aligns synonyms, translations, compounds and abbreviations", () => {
    expect(alignTerms(body("What is a FVG?"), body("What is a fair value gap?"))).toMatchObject({
      onlyA: [],
      onlyB: [],
    });
    expect(alignTerms(body("Explain BOS"), body("Explain break of structure"))).toMatchObject({
      onlyA: [],
      onlyB: [],
    });
    expect(alignTerms(body("What is a stoploss?"), body("What is a stop-loss?"))).toMatchObject({
      onlyA: [],
      onlyB: [],
    });
    expect(alignTerms(body("O que são blocos de ordens?"), body("What are order blocks?"))).toMatchObject({
      onlyA: [],
      onlyB: [],
    });
  });

  it("reports what is substituted or added", () => {
    expect(alignTerms(body("What moves gold?"), body("What moves silver?"))).toMatchObject({
      onlyA: ["gold"],
      onlyB: ["silver"],
    });
    expect(alignTerms(body("SEO off page"), body("SEO on page"))).toMatchObject({
      onlyA: ["off"],
      onlyB: [],
    });
    expect(alignTerms(body("Explain the RSI indicator"), body("Explain the RSI"))).toMatchObject({
      onlyA: [],
      onlyB: [],
    });
  });
});

describe("ruleVerdict", () => {
  it("leaves long statements that differ in a few terms open, and judges questions of any length", () => {
    const a =
      "The map() function helps preprocess the entire dataset at once using batches of examples in parallel.";
    const b =
      "The map() function assists in preprocessing the whole dataset in one go using batches of examples in parallel.";
    expect(ruleVerdict(a, b).verdict).toBe("open");
    expect(ruleVerdict(`Why ${a}?`, `Why ${b}?`).verdict).toBe("reject");
  });

  it("rejects swapped names and different symbols", () => {
    expect(ruleVerdict("Do Croats dislike Turks?", "Do Turks dislike Croats?").reason).toContain(
      "swap places",
    );
    expect(ruleVerdict("What is = in Python?", "What is == in Python?").verdict).toBe("reject");
  });
});

describe("questions that point outside themselves", () => {
  it.each([
    ["What animal is this?", "What is this animal?"],
    ["How do I solve this math problem?", "How do you solve a math problem?"],
    ["O que significa esse símbolo?", "O que significa este símbolo?"],
    ["What do these symbols mean?", "What does this symbol mean?"],
  ])("never match: %s / %s", (a, b) => {
    const verdict = ruleVerdict(a, b);
    expect(verdict.verdict).toBe("reject");
    expect(verdict.reason).toContain("outside the prompt");
  });

  it.each([
    ["Will bitcoin rise this week?", "Will bitcoin go up this week?"],
    ["O que está acontecendo com o dólar?", "O que está acontecendo com o dolar?"],
  ])("time words and 'está' are not pointers: %s / %s", (a, b) => {
    expect(ruleVerdict(a, b).reason).not.toContain("outside the prompt");
  });
});

describe("bounded work on hostile input", () => {
  it("aligns two 4,000-character prompts of distinct words without scanning every pair", () => {
    const words = (seed: number) => {
      let x = seed;
      return Array.from({ length: 900 }, () => {
        x = (x * 1103515245 + 12345) % 2147483648;
        return (x % 50000).toString(36);
      }).join(" ");
    };
    const r = alignTerms(stripFrame(words(1)).body, stripFrame(words(2)).body);
    // At most MAX_ALIGNED_TERMS terms per side are compared.
    expect(r.termsA).toBeLessThanOrEqual(96);
    expect(r.termsB).toBeLessThanOrEqual(96);
    expect(r.onlyA.length).toBeGreaterThan(0);
  });
});
