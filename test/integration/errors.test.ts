import { describe, expect, it } from "vitest";
import { ADMIN, call, chat } from "../helpers/worker";

const post = (body: unknown, headers: Record<string, string> = {}) =>
  call("/v1/chat/completions", { body, headers });

describe("bad input gets a 400 naming the field", () => {
  it.each([
    ["malformed JSON", "{not json", "body"],
    ["missing messages", { model: "deepseek-reasoner" }, "messages"],
    ["messages of the wrong type", { messages: "hello" }, "messages"],
    ["empty messages", { messages: [] }, "messages"],
    ["unknown role", { messages: [{ role: "wizard", content: "hi" }] }, "messages[0].role"],
    ["content of the wrong type", { messages: [{ role: "user", content: 42 }] }, "messages[0].content"],
    ["temperature out of range", chat("t", { temperature: 3 }), "temperature"],
    ["temperature of the wrong type", chat("t", { temperature: "hot" }), "temperature"],
    ["top_p out of range", chat("t", { top_p: 1.5 }), "top_p"],
    ["max_tokens not a positive integer", chat("t", { max_tokens: -5 }), "max_tokens"],
    ["n other than 1", chat("t", { n: 3 }), "n"],
    ["stream not a boolean", chat("t", { stream: "yes" }), "stream"],
  ])("%s", async (_name, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const { error } = res.json();
    expect(error.param).toBe(field);
    expect(error.message).toContain(field === "body" ? "JSON" : field);
  });

  it.each([
    ["x-r1cache-ttl", "soon"],
    ["x-r1cache-ttl", "0"],
    ["x-r1cache-threshold", "1.5"],
    ["x-r1cache-threshold", "high"],
    ["x-r1cache-semantic", "maybe"],
    ["cache-control", "max-age=abc"],
  ])("header %s: %s", async (header, value) => {
    const res = await post(chat("headers"), { [header]: value });
    expect(res.status).toBe(400);
    expect(res.json().error.param.toLowerCase()).toBe(header);
  });

  it("native API: missing prompt", async () => {
    const res = await call("/v1/r1/chat", { body: { use_cache: true } });
    expect(res.status).toBe(400);
    expect(res.json().error.param).toBe("prompt");
  });

  it("admin: unknown cache level", async () => {
    const res = await call("/admin/cache?level=l9", { method: "DELETE", headers: ADMIN });
    expect(res.status).toBe(400);
    expect(res.json().error.param).toBe("level");
  });
});

describe("deeply nested JSON", () => {
  /** `{"a": {"a": ... }}` `depth` levels deep, as raw JSON (no recursion needed to build it). */
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  it("a tools array nested 5,000 deep is a 400 naming tools, not a 500", async () => {
    const body = `{"model":"deepseek-reasoner","messages":[{"role":"user","content":"deep tools"}],"tools":[${nested(5000)}]}`;
    const res = await post(body);
    expect([res.status, res.json().error.param]).toEqual([400, "tools"]);
    expect(res.json().error.message).toMatch(/nest/);
  });

  it("so is a deep response_format or tool_calls, and arrays count as levels too", async () => {
    const format = `{"model":"deepseek-reasoner","messages":[{"role":"user","content":"deep format"}],"response_format":${nested(5000)}}`;
    expect((await post(format)).json().error.param).toBe("response_format");
    const calls = `{"messages":[{"role":"assistant","content":"x","tool_calls":[${"[".repeat(5000)}${"]".repeat(5000)}]},{"role":"user","content":"y"}]}`;
    const res = await post(calls);
    expect([res.status, res.json().error.param]).toEqual([400, "messages[0].tool_calls"]);
  });

  it("a tool schema of ordinary depth is served", async () => {
    const body = `{"model":"deepseek-reasoner","messages":[{"role":"user","content":"shallow tools"}],"tools":[${nested(30)}]}`;
    expect((await post(body)).status).toBe(200);
  });
});

describe("limits and routes", () => {
  it("refuses an oversize body with 413", async () => {
    const res = await post(chat("x".repeat(2 * 1024 * 1024)));
    expect(res.status).toBe(413);
    expect(res.json().error.type).toBe("payload_too_large");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await call("/v1/nope");
    expect(res.status).toBe(404);
    expect(res.json().error.message).toContain("/v1/nope");
  });
});

describe("auth", () => {
  it("401 without a key, naming the header to send", async () => {
    const res = await post(chat("auth"), { authorization: "" });
    expect(res.status).toBe(401);
    expect(res.json().error.message).toContain("Authorization");
  });

  it("401 with an unknown key", async () => {
    const res = await post(chat("auth"), { authorization: "Bearer nope" });
    expect(res.status).toBe(401);
  });

  it("403 when a client key calls the admin API, and when the admin token calls the chat API", async () => {
    expect((await call("/admin/stats")).status).toBe(403);
    expect((await post(chat("auth"), ADMIN)).status).toBe(403);
  });

  it("a deployed worker with no keys refuses with 401 and says how to configure them", async () => {
    const res = await post(chat("auth"), {});
    expect(res.status).toBe(200);
    const deployed = await call("/v1/chat/completions", {
      body: chat("auth"),
      env: { LOCAL_DEV: undefined },
    });
    expect(deployed.status).toBe(401);
    expect(deployed.json().error.message).toContain("R1CACHE_KEYS");
    const admin = await call("/admin/stats", { headers: ADMIN, env: { LOCAL_DEV: undefined } });
    expect(admin.status).toBe(401);
    expect(admin.json().error.message).toContain("ADMIN_TOKEN");
  });

  it("dev credentials stop working once deployed with real keys", async () => {
    const env = { LOCAL_DEV: undefined, R1CACHE_KEYS: '{"sk-live-1":"acme"}', ADMIN_TOKEN: "root-token" };
    expect((await call("/v1/models", { env })).status).toBe(401);
    expect((await call("/v1/models", { env, headers: { authorization: "Bearer sk-live-1" } })).status).toBe(
      200,
    );
    expect(
      (await call("/admin/stats", { env, headers: { authorization: "Bearer root-token" } })).status,
    ).toBe(200);
  });
});

describe("entry ids are checked before they reach a tier", () => {
  it.each(["..%2F..%2Fetc%2Fpasswd", "a".repeat(5_000), "ABC", "%00"])(
    "DELETE /admin/entries/%s -> 400",
    async (id) => {
      const res = await call(`/admin/entries/${id}`, { method: "DELETE", headers: ADMIN });
      expect(res.status).toBe(400);
      expect(res.json().error.param).toBe("key");
    },
  );
});
