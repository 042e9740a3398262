import { describe, expect, it } from "vitest";
import { app } from "../../src/app";
import { call } from "../helpers/worker";

describe("GET /openapi.json", () => {
  it("documents every route the app registers, with the validators' schemas", async () => {
    const res = await call("/openapi.json", { headers: {} });
    expect(res.status).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(doc.paths as Record<string, object>).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const registered = app.routes
      .filter((r) => r.method !== "ALL" && r.path !== "/")
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}").replace(/(.)\/$/, "$1")}`);
    const missing = [...new Set(registered)].filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
    const chat = doc.paths["/v1/chat/completions"].post;
    expect(chat.requestBody.content["application/json"].schema.properties).toHaveProperty("messages");
    expect(chat.responses["200"].headers).toHaveProperty("x-r1cache");
    expect(
      doc.paths["/admin/config"].patch.requestBody.content["application/json"].schema.properties,
    ).toHaveProperty("evictionPolicy");
  });

  it("has a docs page", async () => {
    const res = await call("/docs", { headers: {} });
    expect(res.status).toBe(200);
    expect(res.text).toContain("/v1/chat/completions");
  });
});
