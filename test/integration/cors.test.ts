import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { chat } from "../helpers/worker";

const APP = "https://app.example";

/** A raw request (no default credentials: a preflight carries none). */
async function send(path: string, init: RequestInit, origins?: string) {
  const ctx = createExecutionContext();
  const bindings = {
    ...(env as unknown as Env),
    ...(origins === undefined ? {} : { CORS_ORIGINS: origins }),
  };
  const response = await worker.fetch(new Request(`https://cache.test${path}`, init), bindings, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { status: response.status, headers: response.headers, text };
}

const preflight = (path: string, origin: string, origins?: string) =>
  send(
    path,
    {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-r1cache-ttl",
      },
    },
    origins,
  );

const post = (origin: string, authorization: string, origins?: string) =>
  send(
    "/v1/chat/completions",
    {
      method: "POST",
      headers: { origin, authorization, "content-type": "application/json" },
      body: JSON.stringify(chat("Asked from a browser page")),
    },
    origins,
  );

describe("CORS", () => {
  it("is off by default: no CORS header on any answer, a preflight is not answered as one", async () => {
    const pre = await preflight("/v1/chat/completions", APP);
    expect(pre.status).not.toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    const res = await post(APP, "Bearer dev-key");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();
  });

  it("answers preflights from an allowed origin without credentials, on client and admin routes", async () => {
    for (const path of ["/v1/chat/completions", "/admin/stats", "/admin/maintenance/defragment"]) {
      const res = await preflight(path, APP, `${APP}, http://localhost:5173`);
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(APP);
      expect(res.headers.get("access-control-allow-methods")).toContain("POST");
      expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
      expect(res.headers.get("access-control-allow-headers")).toContain("x-r1cache-ttl");
      expect(res.headers.get("access-control-max-age")).toBe("600");
      expect(res.headers.get("vary")).toContain("Origin");
    }
  });

  it("lets the page read the x-r1cache headers of an answer, and the message of a refusal", async () => {
    const origins = `http://localhost:5173,${APP}`;
    const res = await post(APP, "Bearer dev-key", origins);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    const exposed = res.headers.get("access-control-expose-headers")?.split(",") ?? [];
    for (const name of [
      "x-r1cache",
      "x-r1cache-key",
      "x-r1cache-tier",
      "x-r1cache-match",
      "cf-aig-cache-status",
    ]) {
      expect(exposed).toContain(name);
    }
    expect(res.headers.get("x-r1cache")).toBeTruthy();
    const refused = await post(APP, "Bearer not-a-key", origins);
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(APP);
    expect(JSON.parse(refused.text).error.message).toBeTruthy();
  });

  it("gives an origin outside the list nothing, and * allows any", async () => {
    const evil = "https://evil.example";
    const pre = await preflight("/v1/chat/completions", evil, APP);
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    expect((await post(evil, "Bearer dev-key", APP)).headers.get("access-control-allow-origin")).toBeNull();
    const any = await post(evil, "Bearer dev-key", "*");
    expect(any.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("refuses a CORS_ORIGINS entry that is not an origin, naming the variable", async () => {
    const res = await post(APP, "Bearer dev-key", "app.example/path");
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text).error.message).toContain("CORS_ORIGINS");
  });
});
