import { describe, expect, it } from "vitest";
import { ADMIN, call } from "../helpers/worker";

const page = (path: string) => call(path, { headers: { authorization: "" } });

/** Every same-origin file the page loads: its src/href attributes and the modules' static imports. */
async function referencedFiles(): Promise<string[]> {
  const html = (await page("/dashboard")).text;
  const seen = new Set<string>();
  const queue = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
  while (queue.length > 0) {
    const url = queue.shift() as string;
    if (seen.has(url) || url.startsWith("data:")) continue;
    seen.add(url);
    if (url.endsWith(".js") && !url.includes("uplot")) {
      const source = (await page(url)).text;
      for (const m of source.matchAll(/from "\.\/([\w.-]+)"/g)) queue.push(`/dashboard/${m[1]}`);
    }
  }
  return [...seen];
}

describe("GET /dashboard (Workers static assets)", () => {
  it("serves the page without credentials: a sign-in form, no data, locked to this origin", async () => {
    const res = await page("/dashboard");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).toContain('<form id="login-form"');
    expect(res.text).toContain('type="password"');
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  it("every file the page and its modules load is served, none from another origin", async () => {
    const files = await referencedFiles();
    expect(files).toEqual(
      expect.arrayContaining([
        "/dashboard/uplot.iife.min.js",
        "/dashboard/uplot.min.css",
        "/dashboard/dashboard.css",
        "/dashboard/dashboard.js",
        "/dashboard/api.js",
        "/dashboard/charts.js",
        "/dashboard/explorer.js",
        "/dashboard/format.js",
      ]),
    );
    for (const file of files) {
      expect(file, "same origin").toMatch(/^\/dashboard\/[\w.-]+$/);
      const res = await page(file);
      expect(res.status, file).toBe(200);
      const type = res.headers.get("content-type") ?? "";
      expect(type, file).toMatch(file.endsWith(".css") ? /text\/css/ : /javascript/);
    }
    expect((await page("/dashboard/uplot.iife.min.js")).text).toContain("uPlot");
  });

  it("the admin token is read from sessionStorage and sent as a bearer header, never put in a URL", async () => {
    const api = (await page("/dashboard/api.js")).text;
    expect(api).toContain("sessionStorage");
    expect(api).not.toMatch(/localStorage\s*\./);
    expect(api).toMatch(/authorization: `Bearer \$\{token\}`/);
    const html = (await page("/dashboard")).text;
    // A form that cannot submit to a URL even without its script (method post, CSP form-action 'none').
    expect(html).toMatch(/<form id="login-form" method="post"/);
  });

  it("answers 404 for files that are not there and for names that try to leave the folder", async () => {
    for (const path of [
      "/dashboard/missing.js",
      "/dashboard/..%2Fwrangler.jsonc",
      "/dashboard/.assetsignore",
      "/dashboard/sub%2Fdir.js",
    ]) {
      const res = await page(path);
      expect(res.status, path).toBe(404);
      expect(res.json().error.type).toBe("not_found");
    }
    expect((await call("/dashboard", { method: "POST", body: "{}" })).status).toBe(404);
  });
});

describe("what the dashboard's charts read from /admin/stats", () => {
  it("each hour carries its latency percentiles and tokens saved", async () => {
    const prompt = `Dashboard chart check ${crypto.randomUUID()}`;
    const body = { model: "deepseek-reasoner", messages: [{ role: "user", content: prompt }] };
    await call("/v1/chat/completions", { body });
    await call("/v1/chat/completions", { body });
    const stats = (await call("/admin/stats", { headers: ADMIN })).json();
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    const row = stats.hit_rate_hourly.find((h: { hour: string }) => h.hour === hour);
    expect(row).toBeDefined();
    expect(row.hits).toBeGreaterThanOrEqual(1);
    expect(row.tokens_saved).toBeGreaterThan(0);
    expect(row.p50_ms).toBeGreaterThan(0);
    expect(row.p95_ms).toBeGreaterThanOrEqual(row.p50_ms);
    expect(row.p99_ms).toBeGreaterThanOrEqual(row.p95_ms);
  });
});
