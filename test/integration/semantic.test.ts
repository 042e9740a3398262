import { describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-a": "tenant-a", "key-b": "tenant-b" }) };
const TEMPLATES = { R1CACHE_CONFIG: JSON.stringify({ templates: ["Analisar {symbol} usando {strategy}"] }) };
const ask = (
  prompt: string,
  options: { key?: string; headers?: Record<string, string>; body?: object } = {},
) =>
  call("/v1/chat/completions", {
    body: { ...chat(prompt), ...options.body },
    env: { ...KEYS, ...TEMPLATES },
    headers: { authorization: `Bearer ${options.key ?? "key-a"}`, ...options.headers },
  });
const search = (prompt: string, extra: object = {}) =>
  call("/v1/r1/search", {
    body: { prompt, ...extra },
    env: { ...KEYS, ...TEMPLATES },
    headers: { authorization: "Bearer key-a" },
  });
const cacheState = (res: { headers: Headers }) => [
  res.headers.get("x-r1cache"),
  res.headers.get("x-r1cache-match"),
];

describe("verified semantic hits", () => {
  it("a paraphrase hits the stored answer at once (read-your-writes), saying similarity and reason", async () => {
    const first = await ask("How do I reset my password?");
    expect(cacheState(first)).toEqual(["MISS", null]);
    const paraphrase = await ask("How can I reset my password?");
    expect(cacheState(paraphrase)).toEqual(["HIT", "semantic"]);
    expect(Number(paraphrase.headers.get("x-r1cache-similarity"))).toBeGreaterThan(0.8);
    expect(paraphrase.headers.get("x-r1cache-reason")).toBeTruthy();
    expect(paraphrase.json().choices[0].message.content).toBe(first.json().choices[0].message.content);
  });

  it.each([
    ["direction", "Should I buy EUR/USD now?", "Should I sell EUR/USD now?"],
    ["ticker", "Analyze AAPL using RSI", "Analyze TSLA using RSI"],
    ["number", "What happens if I risk 1% per trade?", "What happens if I risk 2% per trade?"],
    ["year", "What was the inflation rate in 2023?", "What was the inflation rate in 2024?"],
    ["pt direction", "Devo comprar EUR/USD agora?", "Devo vender EUR/USD agora?"],
    ["pt ticker", "Analise a AAPL com RSI", "Analise a MSFT com RSI"],
    ["pt negation", "O mercado está em alta hoje?", "O mercado não está em alta hoje?"],
  ])("a near-miss (%s) is never served", async (_kind, stored, nearMiss) => {
    await ask(stored);
    const res = await ask(nearMiss);
    expect(res.headers.get("x-r1cache")).toBe("MISS");
    const { matches } = (await search(nearMiss)).json();
    const rejected = matches.find((m: { prompt: string }) => m.prompt === stored);
    expect(rejected?.verdict).toBe("reject");
    expect(rejected?.reason.length).toBeGreaterThan(0);
  });

  it("a Portuguese paraphrase hits", async () => {
    await ask("O que são Order Blocks no trading?");
    const res = await ask("O que são os Order Blocks no trading?");
    expect(cacheState(res)).toEqual(["HIT", "semantic"]);
  });

  it("search verifies lexical candidates beyond the nearest: a question sharing a rare term", async () => {
    await ask("O que é um Wyckoff spring?");
    const { matches } = (await search("Explique o Wyckoff spring no gráfico diário", { k: 1 })).json();
    // k nearest by vector plus k best by words, one per entry.
    expect(matches.length).toBeLessThanOrEqual(2);
    const stored = matches.find((m: { prompt: string }) => m.prompt === "O que é um Wyckoff spring?");
    expect(["lexical", "both"]).toContain(stored?.source);
    expect(typeof stored?.similarity).toBe("number");
    expect(stored?.reason.length).toBeGreaterThan(0);
  });

  it("templates: the same slot values hit, a different slot value never does", async () => {
    await ask("Analisar PETR4 usando RSI");
    expect(cacheState(await ask("analisar PETR4 usando RSI"))).toEqual(["HIT", "semantic"]);
    expect((await ask("Analisar PETR4 usando MACD")).headers.get("x-r1cache")).toBe("MISS");
    const { matches } = (await search("Analisar VALE3 usando RSI")).json();
    const reasons = matches
      .filter((m: { verdict: string }) => m.verdict === "reject")
      .map((m: { reason: string }) => m.reason);
    expect(reasons.join(" ")).toContain("symbol");
  });

  it("never matches across tenants or contexts", async () => {
    await ask("What is a fair value gap in trading?");
    const otherTenant = await ask("What's a fair value gap in trading?", { key: "key-b" });
    expect(otherTenant.headers.get("x-r1cache")).toBe("MISS");
    // In tenant A, the same paraphrase with another system prompt or other parameters is another context.
    const otherContext = await ask("What's a fair value gap in trading?", {
      body: {
        messages: [
          { role: "system", content: "Answer as a pirate." },
          { role: "user", content: "What's a fair value gap in trading?" },
        ],
      },
    });
    expect(otherContext.headers.get("x-r1cache")).toBe("MISS");
    const otherParams = await ask("What's a fair value gap in trading?", { body: { temperature: 0.1 } });
    expect(otherParams.headers.get("x-r1cache")).toBe("MISS");
  });

  it("stores a paraphrase as an alias: one answer, counted once", async () => {
    const stats = async () => (await call("/admin/stats", { headers: ADMIN, env: KEYS })).json();
    await ask("Explain what a liquidity sweep is");
    const before = await stats();
    const hit = await ask("Explain what a liquidity sweep is, please");
    expect(cacheState(hit)).toEqual(["HIT", "semantic"]);
    const after = await stats();
    expect(after.unique_entries).toBe(before.unique_entries);
    expect(after.aliases).toBe(before.aliases + 1);
    // The paraphrase now resolves through its alias.
    const again = await ask("Explain what a liquidity sweep is, please");
    expect(cacheState(again)).toEqual(["HIT", "semantic"]);
    expect(again.headers.get("x-r1cache-reason")).toContain("alias");
  });

  it("deleting an entry also retires its aliases: nothing stale is served", async () => {
    const first = await ask("What is a market maker?");
    await ask("What is a market maker exactly?");
    const key = first.headers.get("x-r1cache-key") ?? "";
    const deleted = await call(`/admin/entries/${key}`, { method: "DELETE", headers: ADMIN, env: KEYS });
    expect(deleted.status).toBe(200);
    expect((await ask("What is a market maker exactly?")).headers.get("x-r1cache")).toBe("MISS");
    expect((await ask("What is a market maker?")).headers.get("x-r1cache-match")).not.toBe("exact");
  });

  it("x-r1cache-key of a semantic hit names the entry served, directly or through an alias", async () => {
    const first = await ask("What does a bearish engulfing candle mean?");
    const key = first.headers.get("x-r1cache-key");
    const direct = await ask("What does a bearish engulfing candle mean, please?");
    expect(cacheState(direct)).toEqual(["HIT", "semantic"]);
    expect(direct.headers.get("x-r1cache-key")).toBe(key);
    const viaAlias = await ask("What does a bearish engulfing candle mean, please?");
    expect(viaAlias.headers.get("x-r1cache-reason")).toContain("alias");
    expect(viaAlias.headers.get("x-r1cache-key")).toBe(key);
    // So the key a wrong hit reports is the one that removes it.
    await call(`/admin/entries/${key}`, { method: "DELETE", headers: ADMIN, env: KEYS });
    const after = await ask("What does a bearish engulfing candle mean, please?", {
      headers: { "cache-control": "no-store" },
    });
    expect(after.headers.get("x-r1cache")).toBe("MISS");
  });

  it("no-store serves a paraphrase but records no alias; semantic off skips the lookup", async () => {
    const stats = async () => (await call("/admin/stats", { headers: ADMIN, env: KEYS })).json();
    await ask("How do stop-loss orders work?");
    const before = await stats();
    const hit = await ask("How do stop loss orders work?", { headers: { "cache-control": "no-store" } });
    expect(cacheState(hit)).toEqual(["HIT", "semantic"]);
    expect((await stats()).aliases).toBe(before.aliases);
    const off = await ask("How do stop loss orders work exactly?", {
      headers: { "x-r1cache-semantic": "off" },
    });
    expect(off.headers.get("x-r1cache")).toBe("MISS");
  });

  it("x-r1cache-threshold raises the bar per request", async () => {
    await ask("What is the spread in forex?");
    const strict = await ask("What is the spread in forex trading?", {
      headers: { "x-r1cache-threshold": "0.999" },
    });
    expect(strict.headers.get("x-r1cache")).toBe("MISS");
  });

  it("search validates its input", async () => {
    expect((await search("x", { threshold: 2 })).status).toBe(400);
    expect((await search("x", { threshold: 2 })).json().error.param).toBe("threshold");
    expect((await search("x", { k: 0 })).json().error.param).toBe("k");
    expect(
      (
        await call("/v1/r1/search", { body: {}, env: KEYS, headers: { authorization: "Bearer key-a" } })
      ).json().error.param,
    ).toBe("prompt");
  });
});
