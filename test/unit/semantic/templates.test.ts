import { describe, expect, it } from "vitest";
import { createTemplateRegistry } from "../../../src/semantic/templates";
import { findConflicts } from "../../../src/semantic/verifier/signals/conflicts";
import { verifyMatch } from "../../../src/semantic/verifier/verify";

const templates = createTemplateRegistry([
  "Analisar {symbol} usando {strategy}",
  { id: "support", pattern: "Qual o suporte de {symbol} no gráfico {timeframe}?" },
]);

describe("template registry", () => {
  it("extracts slot values, ignoring case, accents, extra whitespace and trailing punctuation", () => {
    expect(templates.match("  analisar   AAPL usando   Médias Móveis. ")).toEqual({
      id: "Analisar {symbol} usando {strategy}",
      slots: { symbol: "aapl", strategy: "medias moveis" },
    });
    expect(templates.match("QUAL O SUPORTE DE wege3 NO GRAFICO diario")).toEqual({
      id: "support",
      slots: { symbol: "wege3", timeframe: "diario" },
    });
  });

  it("does not match prompts that only contain the template", () => {
    expect(templates.match("Por favor, analisar AAPL usando RSI amanhã e depois")).toBeNull();
    expect(templates.match("Explique Order Blocks")).toBeNull();
  });
});

describe("verifyMatch with templates", () => {
  it("rejects the same template with a different slot value and names the slot", () => {
    const r = verifyMatch("Analisar AAPL usando RSI", "Analisar MSFT usando RSI", 0.97, { templates });
    expect(r.accept).toBe(false);
    expect(r.conflicts[0]?.kind).toBe("template");
    expect(r.reason).toContain('slot "symbol"');
    expect(r.reason).toContain("aapl vs msft");
  });

  it("names the second slot when only it differs", () => {
    const r = verifyMatch("Analisar PETR4 usando RSI", "Analisar PETR4 usando Ichimoku", 0.95, { templates });
    expect(r.accept).toBe(false);
    expect(r.reason).toContain('slot "strategy"');
  });

  it("accepts the same template with equal slots written differently", () => {
    const r = verifyMatch("Analisar AAPL usando RSI", "analisar  aapl usando rsi?", 0.99, { templates });
    expect(r.accept).toBe(true);
    expect(r.score).toBe(1);
  });

  it("catches a slot difference that the generic checks alone cannot see", () => {
    expect(findConflicts("Analisar bitcoin usando Fibonacci", "Analisar ethereum usando Fibonacci")).toEqual(
      [],
    );
    const withT = verifyMatch(
      "Analisar bitcoin usando Fibonacci",
      "Analisar ethereum usando Fibonacci",
      0.96,
      {
        templates,
      },
    );
    expect(withT.accept).toBe(false);
    expect(withT.reason).toContain('slot "symbol": bitcoin vs ethereum');
  });
});
