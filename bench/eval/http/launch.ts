/**
 * @module Starts the worker the way `npm run dev` does (wrangler dev with the embedder/ worker beside it,
 * local KV, D1, R2 and Durable Objects, the R1 simulator) on a free port with its own fresh state, and
 * stops it again with `stop()`; the exit and signal handlers kill it if the eval dies first.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** The first start bundles both workers and loads the encoder; 2 shared cores can be slow. */
const READY_TIMEOUT_MS = 180_000;
const LOG_TAIL_CHARS = 4_000;

/** A running worker. */
export interface LocalWorker {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Kills wrangler and its workerd children, then removes the state directory. Idempotent. */
  stop(): Promise<void>;
}

const QUIET_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function wrangler(args: string[]): void {
  execFileSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...QUIET_ENV },
    stdio: ["ignore", "ignore", "pipe"],
  });
}

/** What `npm run predev` does, against this run's own state directory. */
function prepare(persistTo: string): void {
  execFileSync(process.execPath, [path.join(ROOT, "embedder", "dev-config.mjs")], { cwd: ROOT });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
}

async function waitReady(base: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`wrangler dev was not ready after ${READY_TIMEOUT_MS / 1000} s:\n${log()}`);
}

/** Kills the whole process group (wrangler spawns workerd), politely first. */
async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), s);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

let signalsHooked = false;

/**
 * Ctrl-C reaches only the foreground process group, not the detached worker: turn SIGINT and SIGTERM
 * into a normal exit so the "exit" handlers kill it.
 */
function exitOnSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));
}

/** Options of {@link startWorker}. */
export interface StartOptions {
  /** More `--var`s, e.g. `R1CACHE_KEYS` or `R1CACHE_CONFIG`; `R1_SIMULATOR_LATENCY_MS` may be raised. */
  readonly vars?: Readonly<Record<string, string>>;
}

/**
 * Starts `wrangler dev -c wrangler.local.json -c embedder/wrangler.jsonc --local` with the simulator
 * answering at once (`R1_SIMULATOR_LATENCY_MS:0` unless `vars` says otherwise), on a free port and a
 * fresh `--persist-to` directory.
 */
export async function startWorker(options: StartOptions = {}): Promise<LocalWorker> {
  const vars = { R1_SIMULATOR_LATENCY_MS: "0", ...options.vars };
  const persistTo = mkdtempSync(path.join(tmpdir(), "r1cache-eval-"));
  prepare(persistTo);
  const [port, inspector] = [await freePort(), await freePort()];
  const args = [
    WRANGLER,
    "dev",
    ...["-c", "wrangler.local.json", "-c", "embedder/wrangler.jsonc", "--local"],
    ...["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector)],
    ...["--persist-to", persistTo, "--show-interactive-dev-session=false"],
    // The simulator, whatever .dev.vars says: the eval must never call a paid upstream.
    ...["--var", "LOCAL_DEV:1", "--var", "R1_UPSTREAM:simulator"],
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...QUIET_ENV },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stop() reaches workerd too.
    detached: true,
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-LOG_TAIL_CHARS);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", killNow);
    await killGroup(child);
    rmSync(persistTo, { recursive: true, force: true });
  };
  // Last resort when the eval dies without reaching stop(): exit handlers must be synchronous, so this
  // cannot wait. SIGTERM, not SIGKILL: wrangler outlives us long enough to stop workerd and remove its
  // .wrangler/tmp bundles (SIGKILL left them behind, where `biome check` then lints them).
  const killNow = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      rmSync(persistTo, { recursive: true, force: true });
    } catch {
      // Already gone, or workerd still writing: the directory is in the system's tmp.
    }
  };
  process.on("exit", killNow);
  exitOnSignals();

  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(base, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, stop };
}
