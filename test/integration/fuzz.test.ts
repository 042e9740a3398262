import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { mulberry32 } from "../../src/upstream/simulator";

// Seeded: the same 1,200 requests on every run, so a failure reproduces.
const rnd = mulberry32(6);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

const deep = (depth: number, open: string, close: string) => open.repeat(depth) + close.repeat(depth);
const ids = [
  "../../etc/passwd",
  "%2e%2e%2f%2e%2e%2fetc",
  "..%5c..%5cwin.ini",
  "a".repeat(5_000),
  "%00",
  "%ff%fe",
  "💥",
  "x/../y",
];
const values: unknown[] = [
  null,
  true,
  -1,
  1e308,
  Number.MAX_SAFE_INTEGER,
  "",
  "x".repeat(70_000),
  "\u0000\u0001\u202e",
  "\ud800",
  [],
  [null],
  {},
  { role: "user", content: { nested: [1, 2] } },
  { __proto__: { polluted: true } },
  [{ role: "user", content: 5 }],
  [{ role: "system" }],
];

/** A hostile body: broken JSON, wrong types, deep nesting, huge or invalid strings. */
function body(): BodyInit {
  switch (Math.floor(rnd() * 8)) {
    case 0:
      return pick([
        "{",
        '{"messages":',
        "[1,2",
        "nul",
        '"unterminated',
        '{"a":1,}',
        "\u0000",
        "{'single':1}",
      ]);
    case 1:
      return deep(pick([100, 1_000, 20_000]), "[", "]");
    case 2:
      return `{"messages":${deep(pick([50, 5_000]), '{"a":', "}").replace(/}$/, "1}")}}`;
    case 3:
      // Invalid UTF-8: lone continuation bytes and an overlong encoding.
      return new Uint8Array([
        0x7b, 0x22, 0x70, 0x72, 0x6f, 0x6d, 0x70, 0x74, 0x22, 0x3a, 0x22, 0x80, 0xc0, 0xaf, 0xff, 0x22, 0x7d,
      ]);
    case 4:
      return JSON.stringify({
        [pick(["messages", "prompt", "pairs", "model", "threshold", "k", "level"])]: pick(values),
      });
    case 5:
      return JSON.stringify({
        model: pick(values),
        messages: pick(values),
        prompt: pick(values),
        stream: pick(values),
      });
    case 6:
      return "x".repeat(pick([1_100_000, 2_000_000]));
    default:
      return JSON.stringify(pick(values));
  }
}

const ROUTES: ReadonlyArray<readonly [string, () => string, "client" | "admin"]> = [
  ["POST", () => "/v1/chat/completions", "client"],
  ["POST", () => "/v1/r1/chat", "client"],
  ["POST", () => "/v1/r1/search", "client"],
  ["GET", () => "/v1/models", "client"],
  ["PATCH", () => "/admin/config", "admin"],
  [
    "DELETE",
    () => `/admin/cache?level=${encodeURIComponent(pick(["l9", "", "all;drop", "../l1", "%00"]))}`,
    "admin",
  ],
  ["DELETE", () => `/admin/entries/${pick(ids)}`, "admin"],
  ["POST", () => "/admin/calibration/similarities", "admin"],
  ["PUT", () => "/admin/calibration", "admin"],
  ["GET", () => `/admin/${pick(ids)}`, "admin"],
  ["POST", () => `/v1/${pick(ids)}`, "client"],
];

const headerValues = [
  "max-age=-1",
  "no-cache, no-store, max-age=abc",
  "1e999",
  "a".repeat(8_000),
  "NaN",
  " ",
];

function hostileHeaders(auth: "client" | "admin"): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": pick(["application/json", "text/plain", "", "application/json; charset=latin1"]),
  };
  const roll = rnd();
  if (roll < 0.7) h.authorization = `Bearer ${auth === "admin" ? "dev-admin" : "dev-key"}`;
  else if (roll < 0.8) h.authorization = `Bearer ${auth === "admin" ? "dev-key" : "dev-admin"}`;
  else if (roll < 0.9)
    h.authorization = pick(["Bearer", "Basic Zm9vOmJhcg==", `Bearer ${"k".repeat(10_000)}`]);
  for (const name of [
    "x-r1cache-ttl",
    "x-r1cache-threshold",
    "x-r1cache-semantic",
    "cache-control",
    "cf-aig-cache-ttl",
  ]) {
    if (rnd() < 0.2) h[name] = pick(headerValues);
  }
  return h;
}

async function send(i: number) {
  const [method, path, auth] = pick(ROUTES);
  const request = new Request(`https://cache.test${path()}`, {
    method,
    headers: hostileHeaders(auth),
    ...(method === "GET" ? {} : { body: body() }),
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, env as unknown as Env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { i, method, path: new URL(request.url).pathname.slice(0, 60), status: res.status, text };
}

describe("hostile input on every route", () => {
  it("1,200 generated malformed and hostile requests: never a 5xx, errors are JSON", {
    timeout: 120_000,
  }, async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1_200; i++) {
      const r = await send(i);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const jsonError =
        r.status < 400 ||
        (() => {
          try {
            return typeof JSON.parse(r.text).error?.message === "string";
          } catch {
            return false;
          }
        })();
      if (r.status >= 500 || !jsonError)
        failures.push(`#${r.i} ${r.method} ${r.path} -> ${r.status} ${r.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    // The requests reach validation, auth, size limits and routing, not one early exit.
    for (const status of [400, 401, 403, 404, 413]) expect(statuses.get(status) ?? 0).toBeGreaterThan(10);
    // The worker is healthy after.
    const health = await worker.fetch(
      new Request("https://cache.test/healthz"),
      env as unknown as Env,
      createExecutionContext(),
    );
    expect(health.status).toBe(200);
  });
});
