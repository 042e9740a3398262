import { describe, expect, it } from "vitest";
import { call } from "../helpers/worker";

describe("GET /dashboard", () => {
  it("serves the page from the static assets", async () => {
    const res = await call("/dashboard", { headers: {} });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain("<title>");
  });
});
