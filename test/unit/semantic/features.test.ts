import { describe, expect, it } from "vitest";
import { scorerFor } from "../../../src/semantic/verifier/calibration";
import { BUNDLED_CALIBRATION, MODEL } from "../../../src/semantic/verifier/model/weights";
import { questionType, questionTypeMismatch } from "../../../src/semantic/verifier/question-type";
import {
  ensembleLogit,
  type TreeEnsemble,
  treeSize,
} from "../../../src/semantic/verifier/score/boosted-trees";
import { FEATURE_NAMES, pairFeatures } from "../../../src/semantic/verifier/score/features";
import { createIdfLookup, defaultIdf, encodeIdfTable } from "../../../src/semantic/verifier/score/idf";
import {
  bigramJaccard,
  charGramCosine,
  tfidfCosine,
} from "../../../src/semantic/verifier/score/lexical-overlap";
import {
  alignSide,
  contentTerms,
  orderDiscordance,
} from "../../../src/semantic/verifier/score/word-alignment";

const flat = (): number => 1;

const scorePair = scorerFor(BUNDLED_CALIBRATION.embedder, [BUNDLED_CALIBRATION])?.score;

describe("word alignment", () => {
  it("leaves the substituted word unaligned on each side", () => {
    const a = contentTerms("What are the best hotels in Bhopal?");
    const b = contentTerms("What are the best hotels in Indore?");
    expect(alignSide(a, b, flat)).toMatchObject({ unalignedCount: 1, unaligned: 1 });
    expect(alignSide(b, a, flat)).toMatchObject({ unalignedCount: 1, unaligned: 1 });
  });

  it("aligns inflections and spelling variants", () => {
    const a = contentTerms("colour of the organisation logos");
    const b = contentTerms("color of the organization logo");
    expect(alignSide(a, b, flat).unalignedCount).toBe(0);
  });

  it("weights unaligned words by IDF", () => {
    const idf = createIdfLookup(encodeIdfTable(new Map([["thing", 1.5]])), 1000);
    const side = alignSide(contentTerms("thing zebra"), contentTerms("other"), idf);
    expect(side.total).toBeCloseTo(1.5 + idf("zebra"));
    expect(idf("zebra")).toBeGreaterThan(1.5);
  });

  it("measures swapped word order among shared words", () => {
    const a = contentTerms("What percentage of terrorists are Muslim?");
    const b = contentTerms("What percentage of Muslims are terrorists?");
    expect(orderDiscordance(a, b)).toBeCloseTo(1 / 3);
    expect(orderDiscordance(a, a)).toBe(0);
  });
});

describe("lexical overlaps", () => {
  it("are 1 for identical text and lower for different text", () => {
    const idf = defaultIdf();
    expect(tfidfCosine("How do I learn Python?", "how do i learn python", idf)).toBeCloseTo(1);
    expect(tfidfCosine("How do I learn Python?", "How do I learn Java?", idf)).toBeLessThan(0.8);
    expect(charGramCosine("order blocks", "order block", 3)).toBeGreaterThan(0.8);
    expect(bigramJaccard("buy low sell high", "sell high buy low")).toBeCloseTo(2 / 4);
  });
});

describe("question type", () => {
  it("maps English and Portuguese question words to one kind", () => {
    expect(questionType("Por que o dólar subiu?")).toBe("why");
    expect(questionType("O que é price action?")).toBe("what");
    expect(questionType("Como operar?")).toBe("how");
    expect(questionType("Is it a good time to buy?")).toBe("whether");
    expect(questionType("Explain the MACD")).toBeNull();
  });

  it("flags different kinds only when both sides ask", () => {
    expect(questionTypeMismatch("How do I learn Go?", "Why do I learn Go?")).toBe(1);
    expect(questionTypeMismatch("Why did it rise?", "Por que subiu?")).toBe(0);
    expect(questionTypeMismatch("Explain Go", "Why Go?")).toBe(0);
  });
});

describe("fitted score", () => {
  it("has one feature per name and a complete tree layout", () => {
    expect(pairFeatures("a b", "a c", 0.9)).toHaveLength(FEATURE_NAMES.length);
    expect(MODEL.trees.length % treeSize(MODEL.depth)).toBe(0);
    expect(MODEL.trees.length).toBeGreaterThan(0);
  });

  it("walks a tree to the right leaf", () => {
    // One depth-1 tree: x[0] > 0.5 goes right (+2), else left (-1).
    const model: TreeEnsemble = { base: 0.5, depth: 1, trees: [0, 0.5, -1, 2] };
    expect(ensembleLogit(model, [0.4])).toBeCloseTo(-0.5);
    expect(ensembleLogit(model, [0.6])).toBeCloseTo(2.5);
  });

  it("never falls as similarity rises (monotone trees)", () => {
    const pairs = [
      ["What is an order block?", "What are order blocks?"],
      ["How can I lose weight fast?", "How can I lose weight?"],
      ["What are the best hotels in Bhopal?", "What are some good hotels in Bhopal?"],
    ];
    for (const [a = "", b = ""] of pairs) {
      let last = 0;
      for (let s = 0.5; s <= 1.0001; s += 0.01) {
        const score = scorePair?.(a, b, s) ?? Number.NaN;
        expect(score).toBeGreaterThanOrEqual(last - 1e-12);
        last = score;
      }
    }
  });
});
