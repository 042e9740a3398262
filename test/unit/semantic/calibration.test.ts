import { describe, expect, it } from "vitest";
import { LOCAL_EMBEDDER_MODEL } from "../../../src/semantic/embedders/service";
import { calibrationMismatch, scorerFor } from "../../../src/semantic/verifier/calibration";
import { IDF_NORMALISATION, IDF_SOURCE_SHA256 } from "../../../src/semantic/verifier/model/idf-table";
import { BUNDLED_CALIBRATION } from "../../../src/semantic/verifier/model/weights";
import { FEATURE_NAMES, pairFeatures } from "../../../src/semantic/verifier/score/features";
import { TEXT_NORMALISATION } from "../../../src/semantic/verifier/text";

describe("generated model files agree with the code that reads them", () => {
  it("the bundled calibration names the bundled encoder, the code's features and normalisation", () => {
    expect(BUNDLED_CALIBRATION.embedder).toBe(LOCAL_EMBEDDER_MODEL);
    expect(BUNDLED_CALIBRATION.features).toEqual([...FEATURE_NAMES]);
    expect(BUNDLED_CALIBRATION.normalisation).toBe(TEXT_NORMALISATION);
    expect(calibrationMismatch(BUNDLED_CALIBRATION)).toBeNull();
  });

  it("the IDF table was counted with the same normalisation, over the same rows", () => {
    expect(IDF_NORMALISATION).toBe(TEXT_NORMALISATION);
    expect(IDF_SOURCE_SHA256).toBe(BUNDLED_CALIBRATION.source.sha256);
    expect(BUNDLED_CALIBRATION.source.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("features of fixed pairs are pinned: a change in normalisation must bump TEXT_NORMALISATION", () => {
    // If this fails, text normalisation or a feature changed: bump TEXT_NORMALISATION in
    // src/semantic/verifier/text.ts, refit (`npm run eval:fit`) and update these numbers.
    const f = pairFeatures("What is an order block?", "What are order blocks in trading?", 0.9);
    const named = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, Number((f[i] ?? 0).toFixed(4))]));
    expect(TEXT_NORMALISATION).toBe(1);
    expect(named).toMatchInlineSnapshot(`
      {
        "allWordsUnalignedIdfMax": 2.6462,
        "allWordsUnalignedIdfMin": 2.0015,
        "bigramJaccard": 0.125,
        "char3Cosine": 0.5276,
        "char4Cosine": 0.4703,
        "contentJaccard": 0.6667,
        "idfCoverageMax": 1,
        "idfCoverageMin": 0.6308,
        "lengthRatio": 0.8333,
        "maxWords": 1.9459,
        "minWords": 1.7918,
        "oneSidedDates": 0,
        "oneSidedEntities": 0,
        "oneSidedIdentifiers": 0,
        "oneSidedNumbers": 0,
        "orderDiscordance": 0,
        "questionTypeMismatch": 0,
        "questionWordMismatch": 0,
        "similarity": 0.9,
        "similarityAbove90": 0,
        "similarityTimesContent": 0.6,
        "tfidfCosine": 0.6699,
        "trigramJaccard": 0.35,
        "unalignedIdfMax": 2.1861,
        "unalignedIdfMin": 0,
        "unmatchedMax": 0.6931,
        "unmatchedMin": 0,
        "wordJaccard": 0.2222,
      }
    `);
  });
});

describe("a fitted score applies only to its embedder", () => {
  it("no scorer for another embedder model (deployed bge-m3, any OpenAI model)", () => {
    expect(scorerFor("@cf/baai/bge-m3", [BUNDLED_CALIBRATION])).toBeUndefined();
    expect(scorerFor("text-embedding-3-small", [BUNDLED_CALIBRATION])).toBeUndefined();
    expect(scorerFor(LOCAL_EMBEDDER_MODEL, [BUNDLED_CALIBRATION])?.calibration).toBe(BUNDLED_CALIBRATION);
  });

  it("a calibration fitted with other features or another normalisation is refused", () => {
    const stale = { ...BUNDLED_CALIBRATION, normalisation: TEXT_NORMALISATION + 1 };
    expect(calibrationMismatch(stale)).toContain("normalisation");
    expect(scorerFor(LOCAL_EMBEDDER_MODEL, [stale])).toBeUndefined();
    const renamed = { ...BUNDLED_CALIBRATION, features: ["similarity"] };
    expect(calibrationMismatch(renamed)).toContain("feature");
  });

  it("its score is a probability that rises with similarity", () => {
    const score = scorerFor(LOCAL_EMBEDDER_MODEL, [BUNDLED_CALIBRATION])?.score;
    const [low, high] = [score?.("a b c d", "a b c e", 0.8) ?? 0, score?.("a b c d", "a b c e", 0.99) ?? 0];
    expect(low).toBeGreaterThan(0);
    expect(high).toBeLessThan(1);
    expect(high).toBeGreaterThanOrEqual(low);
  });
});
