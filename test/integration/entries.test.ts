import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

const KEYS = { R1CACHE_KEYS: JSON.stringify({ "key-ex-a": "explorer-a", "key-ex-b": "explorer-b" }) };
const ask = (prompt: string, key = "key-ex-a") =>
  call("/v1/chat/completions", {
    body: chat(prompt),
    env: KEYS,
    headers: { authorization: `Bearer ${key}` },
  });
const admin = (path: string, method = "GET") => call(path, { method, headers: ADMIN, env: KEYS });

interface Row {
  key: string;
  namespace: string;
  prompt: string;
  aliases: number;
  hit_count: number;
}
const list = async (query: string) => {
  const res = await admin(`/admin/entries?${query}`);
  expect(res.status).toBe(200);
  return res.json() as { entries: Row[]; next_cursor: string | null };
};

const keys: Record<string, string> = {};

beforeAll(async () => {
  for (const [name, prompt, key] of [
    ["sweep", "Explorer: explain what a liquidity sweep is", "key-ex-a"],
    ["pct", "Explorer: is a 100% gain_rate realistic?", "key-ex-a"],
    ["tenantB", "Explorer: explain what a liquidity sweep is (tenant b)", "key-ex-b"],
    ["p1", "Explorer paging one", "key-ex-a"],
    ["p2", "Explorer paging two", "key-ex-a"],
    ["p3", "Explorer paging three", "key-ex-a"],
  ] as const) {
    const res = await ask(prompt, key);
    expect(res.headers.get("x-r1cache")).toBe("MISS");
    keys[name] = res.headers.get("x-r1cache-key") ?? "";
  }
  // A paraphrase that hits becomes an alias of the sweep entry.
  const paraphrase = await ask("Explorer: explain what a liquidity sweep is, please");
  expect(paraphrase.headers.get("x-r1cache-match")).toBe("semantic");
  expect(paraphrase.headers.get("x-r1cache-key")).toBe(keys.sweep);
});

describe("GET /admin/entries (cache explorer search)", () => {
  it("needs the admin token: 401 without one, 403 with a client key", async () => {
    expect((await call("/admin/entries?q=x", { headers: { authorization: "" }, env: KEYS })).status).toBe(
      401,
    );
    const asClient = await call("/admin/entries?q=x", {
      headers: { authorization: "Bearer key-ex-a" },
      env: KEYS,
    });
    expect(asClient.status).toBe(403);
    expect(
      (await call("/admin/entries/0000", { headers: { authorization: "Bearer key-ex-a" }, env: KEYS }))
        .status,
    ).toBe(403);
  });

  it("finds entries by a case-insensitive part of the prompt, with their alias count", async () => {
    const found = await list("q=LIQUIDITY%20SWEEP");
    expect(found.entries.map((e) => e.key).sort()).toEqual([keys.sweep, keys.tenantB].sort());
    const sweep = found.entries.find((e) => e.key === keys.sweep);
    expect(sweep).toMatchObject({ namespace: "explorer-a", aliases: 1 });
    expect(sweep?.prompt).toBe("Explorer: explain what a liquidity sweep is");
  });

  it("finds an entry by one of its aliases' prompts", async () => {
    const found = await list(`q=${encodeURIComponent("sweep is, please")}`);
    expect(found.entries.map((e) => e.key)).toEqual([keys.sweep]);
  });

  it("matches % and _ literally", async () => {
    expect((await list("q=%25")).entries.map((e) => e.key)).toEqual([keys.pct]);
    expect((await list("q=gain_rate")).entries.map((e) => e.key)).toEqual([keys.pct]);
    expect((await list("q=gain%25rate")).entries.map((e) => e.key)).toEqual([]);
  });

  it("is scoped to one tenant with ?namespace=", async () => {
    const onlyB = await list("q=sweep&namespace=explorer-b");
    expect(onlyB.entries.map((e) => e.key)).toEqual([keys.tenantB]);
    expect((await list("q=sweep&namespace=nobody")).entries).toEqual([]);
  });

  it("pages newest first with next_cursor, at most `limit` rows a page", async () => {
    const first = await list("q=explorer%20paging&limit=2");
    expect(first.entries.map((e) => e.key)).toEqual([keys.p3, keys.p2]);
    expect(first.next_cursor).toBeTruthy();
    const second = await list(`q=explorer%20paging&limit=2&cursor=${first.next_cursor}`);
    expect(second.entries.map((e) => e.key)).toEqual([keys.p1]);
    expect(second.next_cursor).toBeNull();
  });

  it("bounds the page size and names the bad field", async () => {
    for (const limit of ["0", "101", "2.5", "many"]) {
      const res = await admin(`/admin/entries?limit=${limit}`);
      expect(res.status).toBe(400);
      expect(res.json().error.param).toBe("limit");
    }
    const cursor = await admin("/admin/entries?cursor=nope");
    expect(cursor.status).toBe(400);
    expect(cursor.json().error.param).toBe("cursor");
    expect((await list("limit=100")).entries.length).toBeLessThanOrEqual(100);
  });
});

describe("GET /admin/entries/:key", () => {
  it("shows the entry with its aliases, statistics, tiers and the answer's start", async () => {
    await ask("Explorer: explain what a liquidity sweep is"); // an exact hit counts
    const res = await admin(`/admin/entries/${keys.sweep}`);
    expect(res.status).toBe(200);
    const entry = res.json();
    expect(entry).toMatchObject({
      key: keys.sweep,
      namespace: "explorer-a",
      model: "deepseek-reasoner",
      prompt: "Explorer: explain what a liquidity sweep is",
      location: "l3",
    });
    expect(entry.hit_count).toBeGreaterThanOrEqual(1);
    expect(entry.stored_in).toEqual(expect.arrayContaining(["l2", "l3"]));
    expect(entry.response_preview.length).toBeGreaterThan(0);
    expect(entry.response_chars).toBeGreaterThanOrEqual(entry.response_preview.length);
    expect(entry.aliases).toHaveLength(1);
    expect(entry.aliases[0].prompt).toBe("Explorer: explain what a liquidity sweep is, please");
    expect(entry.aliases[0].similarity).toBeGreaterThan(0.5);
  });

  it("answers 404 for an unknown key or another tenant's entry, 400 for a malformed key", async () => {
    expect((await admin(`/admin/entries/${"0".repeat(64)}`)).status).toBe(404);
    expect((await admin(`/admin/entries/${keys.sweep}?namespace=explorer-b`)).status).toBe(404);
    expect((await admin(`/admin/entries/${keys.sweep}?namespace=explorer-a`)).status).toBe(200);
    const bad = await admin("/admin/entries/not-a-key");
    expect(bad.status).toBe(400);
    expect(bad.json().error.param).toBe("key");
  });

  it("after DELETE the entry and its aliases are gone from the explorer", async () => {
    expect((await admin(`/admin/entries/${keys.pct}`, "DELETE")).status).toBe(200);
    expect((await admin(`/admin/entries/${keys.pct}`)).status).toBe(404);
    expect((await list("q=gain_rate")).entries).toEqual([]);
    expect((await admin(`/admin/entries/${keys.sweep}`, "DELETE")).status).toBe(200);
    expect((await list(`q=${encodeURIComponent("sweep is, please")}`)).entries).toEqual([]);
  });
});
