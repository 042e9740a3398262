/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core against the worker as
 * `npm run dev` runs it (wrangler dev with the static assets, local storage, the R1 simulator), on a free
 * port with fresh state. Signs in (a wrong token and a client key are refused with a message), checks that
 * the charts draw the seeded traffic, finds, opens and deletes an entry in the explorer, signs out when
 * the token stops working, and fails on any console error or request leaving the worker's origin.
 * Screenshots (light and dark) go to .browser-out/ (gitignored). Run: `npm run test:browser`.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { type LocalWorker, startWorker } from "../../bench/eval/http/launch";

const ROOT = path.resolve(import.meta.dirname, "../..");
const OUT = path.join(ROOT, ".browser-out");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const VIEWPORT = { width: 1440, height: 900 };
const TOKEN_KEY = "r1cache.dashboard.adminToken";
/** One more than the poll interval, so a refresh is sure to have happened. */
const POLL_WAIT_MS = 8_000;

let worker: LocalWorker;
let browser: Browser;
/** The seeded entry the explorer deletes, and its paraphrase (stored as an alias). */
const TARGET = "Dashboard check: what is a fair value gap in trading?";
const PARAPHRASE = "Dashboard check: what is a fair value gap in trading, please?";
let targetKey = "";

async function chat(prompt: string, key = "dev-key") {
  const res = await fetch(`${worker.base}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "deepseek-reasoner", messages: [{ role: "user", content: prompt }] }),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 200, `chat "${prompt}" answered ${res.status}`);
  return res.headers;
}

/** Misses, exact hits and one semantic hit (an alias), so every chart has something to draw. */
async function seed() {
  const prompts = [
    "Dashboard check: explain order blocks",
    "Dashboard check: what is a stop-loss order?",
    "Dashboard check: how does position sizing work?",
    "Dashboard check: define market structure",
  ];
  for (const prompt of prompts) await chat(prompt);
  for (const prompt of prompts.slice(0, 3)) await chat(prompt);
  targetKey = (await chat(TARGET)).get("x-r1cache-key") ?? "";
  assert.match(targetKey, /^[0-9a-f]{64}$/);
  const alias = await chat(PARAPHRASE);
  assert.equal(alias.get("x-r1cache-match"), "semantic", "the paraphrase should hit semantically");
  assert.equal(alias.get("x-r1cache-key"), targetKey);
}

/** A page that records console errors, page errors and any request leaving the worker's origin. */
async function openPage(context: BrowserContext) {
  const page = await context.newPage();
  const problems: string[] = [];
  const refusals: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // The browser logs every 401/403 response; the steps that expect one read them from `refusals`.
    if (/status of 40[13]/.test(message.text())) refusals.push(message.text());
    else problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("request", (request) => {
    if (!request.url().startsWith(worker.base)) problems.push(`external request: ${request.url()}`);
  });
  await page.goto(`${worker.base}/dashboard`);
  return { page, problems, refusals };
}

async function signIn(page: Page, token: string) {
  await page.locator("#token").fill(token);
  await page.locator("#login-form button[type=submit]").click();
}

/** Waits until every chart has drawn at least one non-empty value. */
async function chartsDrawn(page: Page) {
  await page.waitForFunction(
    () => {
      const charts = [...document.querySelectorAll<HTMLElement>("[data-chart]")];
      return (
        charts.length === 4 && charts.every((c) => Number(c.dataset.points) > 0 && c.querySelector("canvas"))
      );
    },
    undefined,
    { timeout: 20_000 },
  );
}

before(async () => {
  mkdirSync(OUT, { recursive: true });
  const started = performance.now();
  const since = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  worker = await startWorker();
  console.log(`worker ready at ${worker.base} after ${since()}`);
  await seed();
  console.log(`traffic seeded after ${since()}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  console.log(`chromium ${browser.version()} up after ${since()}`);
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

test("sign-in refuses a wrong token and a client key, saying why, and keeps the token out of the URL", async () => {
  const context = await browser.newContext({ colorScheme: "light", viewport: VIEWPORT });
  const { page, problems, refusals } = await openPage(context);
  await page.locator("#login").waitFor({ state: "visible" });
  assert.equal(await page.locator("#app").isVisible(), false, "no data before signing in");

  await signIn(page, "not-the-token");
  await page.locator("#login-error").waitFor({ state: "visible" });
  assert.match((await page.locator("#login-error").textContent()) ?? "", /\(401\).*Invalid admin token/);

  await signIn(page, "dev-key");
  await page.waitForFunction(() => document.querySelector("#login-error")?.textContent?.includes("(403)"));
  assert.match((await page.locator("#login-error").textContent()) ?? "", /Client API keys cannot/);
  assert.equal(refusals.length, 2, `one 401 and one 403 logged: ${refusals.join(" | ")}`);

  await page.screenshot({ path: path.join(OUT, "login-light.png") });
  await signIn(page, "dev-admin");
  await page.locator("#app").waitFor({ state: "visible" });
  assert.equal(page.url(), `${worker.base}/dashboard`, "the token never reaches the URL");
  assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), "dev-admin");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the dashboard draws the seeded traffic and the explorer finds, shows and deletes an entry", async () => {
  const context = await browser.newContext({ colorScheme: "light", viewport: VIEWPORT });
  const { page, problems, refusals } = await openPage(context);
  await signIn(page, "dev-admin");
  await chartsDrawn(page);

  assert.match((await page.locator("#t-hit-rate").textContent()) ?? "", /^\d+\.\d%$/);
  assert.match((await page.locator("#t-lookups").textContent()) ?? "", /^[1-9]\d* hits · [1-9]\d* misses$/);
  assert.match((await page.locator("#t-latency").textContent()) ?? "", /^[\d.]+ m?s$/);
  assert.match((await page.locator("#t-avg").textContent()) ?? "", /^p50 [\d.]+ m?s · p99 [\d.]+ m?s$/);
  assert.match((await page.locator("#t-compression").textContent()) ?? "", /^\d+\.\d\d×$/);
  assert.equal(await page.locator("#tiers tr").count(), 4, "a row per tier");
  assert.match((await page.locator("#health-list").textContent()) ?? "", /Workerup/);
  assert.equal(await page.locator("#health").textContent(), "healthy");
  assert.equal(await page.locator(".uplot").count(), 4);

  // The explorer: its newest entries first, then a search by part of a paraphrase's prompt.
  await page.locator("#results tr").first().waitFor();
  await page.locator("#q").fill("fair value gap in trading, please");
  await page.locator("#q").press("Enter");
  // The newest-entries list already holds the row: wait for the search to narrow it to that one row.
  await page.waitForFunction(() => document.querySelectorAll("#results tr").length === 1);
  const row = page.locator(`#results tr[data-key="${targetKey}"]`);
  assert.equal(await row.count(), 1);
  await row.click();
  await page.locator("#detail h3").waitFor();
  assert.equal(await page.locator("#detail h3").textContent(), TARGET);
  const detail = (await page.locator("#detail").textContent()) ?? "";
  assert.match(detail, /Aliases \(1\)/);
  assert.ok(detail.includes(PARAPHRASE), "the alias is listed");
  assert.ok(detail.includes(targetKey));
  assert.ok((await page.locator("#detail pre").textContent())?.length, "the answer is shown");
  await page.screenshot({ path: path.join(OUT, "dashboard-light.png"), fullPage: true });

  await page.getByRole("button", { name: "Delete entry…" }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.locator("#detail .ok-text").waitFor();
  assert.equal(await row.count(), 0, "the row is gone");
  const gone = await fetch(`${worker.base}/admin/entries/${targetKey}`, {
    headers: { authorization: "Bearer dev-admin" },
  });
  assert.equal(gone.status, 404, "the entry is deleted in the worker");
  await page.locator("#q").press("Enter");
  await page.locator("#results-empty").waitFor({ state: "visible" });

  // A token that stops working (rotated secret) signs the page out with the reason at the next poll.
  await page.evaluate((key) => sessionStorage.setItem(key, "rotated-away"), TOKEN_KEY);
  await page.locator("#login").waitFor({ state: "visible", timeout: POLL_WAIT_MS });
  assert.match((await page.locator("#login-error").textContent()) ?? "", /\(401\)/);
  assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), null);
  // One poll's requests (stats and config go out together), each refused with 401, nothing else.
  assert.ok(refusals.length >= 1 && refusals.length <= 2, `refusals: ${refusals.join(" | ")}`);
  assert.ok(refusals.every((text) => text.includes("status of 401")));
  assert.deepEqual(problems, []);
  await context.close();
});

test("dark mode: the same page in the dark scheme, signed out by the button", async () => {
  const context = await browser.newContext({ colorScheme: "dark", viewport: VIEWPORT });
  const { page, problems } = await openPage(context);
  await signIn(page, "dev-admin");
  await chartsDrawn(page);
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, "rgb(15, 18, 22)", "the dark palette is applied");
  await page.locator("#results tr").first().click();
  await page.locator("#detail h3").waitFor();
  await page.screenshot({ path: path.join(OUT, "dashboard-dark.png"), fullPage: true });
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.locator("#login").waitFor({ state: "visible" });
  assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), null);
  assert.deepEqual(problems, []);
  await context.close();
});
