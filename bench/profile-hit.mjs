/**
 * CPU profile of L1 hits, taken from outside the worker through workerd's DevTools inspector (inside
 * workerd, clocks do not advance during synchronous work): `node bench/profile-hit.mjs`. Prints the
 * functions with the most self and inclusive time and writes `.bench-out/l1-hit.cpuprofile` (open it
 * in Chrome DevTools). `PROFILE_PATH=/healthz` profiles the POST no-op instead, for comparison.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { AUTH, bundle, chatBody, OUT, start, timed } from "./worker.mjs";

const PORT = Number(process.env.PROFILE_INSPECTOR_PORT ?? 9331);
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 4);
const PATH = process.env.PROFILE_PATH ?? "/v1/chat/completions";

/** A minimal DevTools protocol client: send(method, params) resolves with the result. */
async function inspect(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const mine = ++id;
      waiting.set(mine, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
      ws.send(JSON.stringify({ id: mine, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Self and inclusive sample counts per function (`name file:line`), recursion counted once. */
function aggregate(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => {
    const f = n.callFrame;
    const file = f.url ? `${f.url.split("/").pop()}:${f.lineNumber + 1}` : "";
    return `${f.functionName || "(anonymous)"} ${file}`.trim();
  };
  const self = new Map();
  const inclusive = new Map();
  for (const id of profile.samples) {
    const leaf = byId.get(id);
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + 1);
    const seen = new Set();
    for (let n = leaf; n; n = byId.get(parent.get(n.id))) seen.add(label(n));
    for (const l of seen) inclusive.set(l, (inclusive.get(l) ?? 0) + 1);
  }
  return { self, inclusive, total: profile.samples.length };
}

const top = (counts, total, n) =>
  [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([l, c]) => `${((100 * c) / total).toFixed(1).padStart(5)}%  ${l}`)
    .join("\n");

const { mf, base } = await start(bundle(), {}, { inspectorPort: PORT });
const post = { method: "POST", headers: AUTH, body: chatBody("benchmark: L1 hit profile") };
for (let i = 0; i < 300; i++) await timed(base, PATH, post);
const targets = await (await fetch(`http://127.0.0.1:${PORT}/json`)).json();
const target = targets.find((t) => t.id === "core:user:r1-edge-cache");
const inspector = await inspect(target.webSocketDebuggerUrl);
await inspector.send("Profiler.enable");
await inspector.send("Profiler.setSamplingInterval", { interval: 100 });
await inspector.send("Profiler.start");
let count = 0;
const end = performance.now() + SECONDS * 1000;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (performance.now() < end) {
      await timed(base, PATH, post);
      count++;
    }
  }),
);
const { profile } = await inspector.send("Profiler.stop");
inspector.close();
await mf.dispose();
writeFileSync(join(OUT, "l1-hit.cpuprofile"), JSON.stringify(profile));
const { self, inclusive, total } = aggregate(profile);
const idle = (self.get("(idle)") ?? 0) / total;
console.log(`${PATH}: ${count} requests in ${SECONDS} s, ${total} samples, ${(idle * 100).toFixed(0)}% idle`);
console.log(`\nself time\n${top(self, total, 25)}\n\ninclusive time\n${top(inclusive, total, 40)}`);
