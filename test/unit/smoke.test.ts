import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

it("runs inside workerd with real bindings", async () => {
  await env.CACHE_KV.put("smoke", "1");
  expect(await env.CACHE_KV.get("smoke")).toBe("1");
});
