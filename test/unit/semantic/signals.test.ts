import { describe, expect, it } from "vitest";
import { extractDates } from "../../../src/semantic/verifier/signals/dates";
import { extractEntities } from "../../../src/semantic/verifier/signals/entities";
import { extractIdentifiers } from "../../../src/semantic/verifier/signals/identifiers";
import { negationCues } from "../../../src/semantic/verifier/signals/negation";
import { extractQuantities } from "../../../src/semantic/verifier/signals/numbers";
import { oppositeConflict } from "../../../src/semantic/verifier/signals/opposites";
import { orderConflict } from "../../../src/semantic/verifier/signals/order";

describe("extractQuantities", () => {
  it("normalises percentages, currency and units", () => {
    expect(extractQuantities("risk 1% or 2 percent")).toEqual(["1%", "2%"]);
    expect(extractQuantities("Quanto rende R$ 1.000?")).toEqual(["1000brl"]);
    expect(extractQuantities("$10,000 vs 100 dollars")).toEqual(["10000usd", "100usd"]);
    expect(extractQuantities("juros de 2,5% ao mês")).toEqual(["2.5%"]);
    expect(extractQuantities("100 g of rice, 20 pips")).toEqual(["100g", "20pip"]);
  });

  it("leaves years, versions and digits glued to names to the other extractors", () => {
    expect(extractQuantities("in 2024 with python3 and GPT-4 v1.2.3")).toEqual([]);
  });

  it("reads number words in English and Portuguese", () => {
    expect(extractQuantities("three days or dois dias")).toEqual(["3", "2"]);
  });
});

describe("extractDates", () => {
  it("finds years, months, weekdays and quarters in both languages", () => {
    expect(extractDates("Q1 2023 results in March")).toEqual(["y2023", "m3", "q1"]);
    expect(extractDates("Inflação em março, na segunda-feira")).toEqual(["m3", "wd1"]);
    expect(extractDates("resultados do terceiro trimestre")).toEqual(["q3"]);
  });

  it("maps relative days and periods to language-neutral keys", () => {
    expect(extractDates("yesterday")).toEqual(extractDates("ontem"));
    expect(extractDates("next week")).toEqual(extractDates("na próxima semana"));
    expect(extractDates("semana passada")).toEqual(["week-1"]);
  });

  it("does not read the verb 'may' or the ordinal 'segunda' as dates", () => {
    expect(extractDates("May I ask how this may work?")).toEqual([]);
    expect(extractDates("a segunda guerra mundial")).toEqual([]);
  });
});

describe("extractIdentifiers", () => {
  it("finds tickers, currency pairs, code identifiers and versions", () => {
    expect(extractIdentifiers("Analyze AAPL on EUR/USD")).toEqual(["aapl", "eur/usd"]);
    expect(extractIdentifiers("use load_from_disk() or pushToHub, v1.2.0")).toEqual([
      "load_from_disk",
      "pushtohub",
      "1.2.0",
    ]);
    expect(extractIdentifiers("VALE3 or gpt-4")).toEqual(["vale3", "gpt4"]);
  });

  it("ignores case when the whole text is shouted", () => {
    expect(extractIdentifiers("WHAT IS THE BEST WAY TO LEARN")).toEqual([]);
  });
});

describe("extractEntities", () => {
  it("keeps capitalised names but not sentence-initial words", () => {
    expect(extractEntities("What does Warren Buffett think? Gold is up")).toEqual(["warren", "buffett"]);
  });
});

describe("negationCues", () => {
  it("finds English and Portuguese negations and ignores neutral phrases", () => {
    expect(negationCues("Why doesn't it compile?")).toEqual(["n't"]);
    expect(negationCues("Operar sem stop, nunca")).toEqual(["sem", "nunca"]);
    expect(negationCues("whether or not to hedge")).toEqual([]);
  });

  it("does not read Portuguese 'no' (in the) as a negation", () => {
    expect(negationCues("Explique Order Blocks no trading")).toEqual([]);
    expect(negationCues("Is there no way to hedge?")).toEqual(["no"]);
  });
});

describe("opposites and order", () => {
  it("needs each side on a different text", () => {
    expect(oppositeConflict("buy or sell?", "Should I sell?")).toBeNull();
    expect(oppositeConflict("Devo comprar?", "Devo vender?")?.detail).toBe("comprar vs vender");
  });

  it("detects swapped conversions and comparisons", () => {
    expect(orderConflict("Convert Celsius to Fahrenheit", "Convert Fahrenheit to Celsius")?.kind).toBe(
      "order",
    );
    expect(orderConflict("Is Python faster than Java?", "Is Java faster than Python?")?.kind).toBe("order");
    expect(orderConflict("Convert Celsius to Fahrenheit", "Celsius to Fahrenheit conversion")).toBeNull();
  });
});
