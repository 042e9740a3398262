/**
 * @module `Tuner`: the deployment's one auto-tuning Durable Object (`idFromName("tuner")`). Isolates
 * send it a sample of their accesses (src/tuning/sample.ts) with their statistics flush; it keeps the
 * last `WINDOW` in SQLite and, on an alarm (or on `POST /admin/tuning/evaluate`), replays them against
 * candidate settings and applies a winner through the runtime config once it is confirmed
 * (src/tuning/decide.ts). The alarm is due {@link EVALUATE_EVERY_SAMPLES} new samples after the last
 * evaluation (no sooner than {@link MIN_EVALUATION_INTERVAL_MS} after it), or {@link EVALUATE_EVERY_MS}
 * after new samples arrive when fewer come. It does nothing while `autoTune` is off.
 */
import { DurableObject } from "cloudflare:workers";
import type { CacheConfig } from "../config";
import { resolveConfig, updateConfig } from "../config-store";
import type { Env } from "../env";
import {
  type Decision,
  decide,
  EVALUATE_EVERY_SAMPLES,
  type Evaluation,
  evaluate,
  MIN_WINDOW,
  type Pending,
  patchOf,
  type TunedSetting,
  type TunedValues,
  WINDOW,
} from "../tuning/decide";
import type { AccessSample, SampleBatch } from "../tuning/sample";

/** Decisions kept for GET /admin/tuning. */
export const KEEP_DECISIONS = 50;
/** Delay between new samples and the evaluation they trigger, when fewer than EVALUATE_EVERY_SAMPLES arrive. */
export const EVALUATE_EVERY_MS = 15 * 60_000;
/** Least time between two evaluations (each replays the window: about half a second of CPU). */
export const MIN_EVALUATION_INTERVAL_MS = 60_000;
/** Delay of the first evaluation, once the window holds MIN_WINDOW samples. */
export const FIRST_EVALUATION_MS = 60_000;

/** What GET /admin/tuning answers (with `enabled` from the config). */
export interface TuningStatus {
  current: TunedValues & { window: number; sampleRate: number; lastEvaluation: Evaluation | null };
  pending: Partial<Record<TunedSetting, Pending>>;
  decisions: Decision[];
}

const tunedValues = (config: CacheConfig): TunedValues => ({
  evictionPolicy: config.evictionPolicy,
  l1MaxBytes: config.tiers.l1.maxBytes,
});

export class Tuner extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS samples (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, ns TEXT NOT NULL, size INTEGER NOT NULL, at INTEGER NOT NULL)`);
    this.#sql.exec("CREATE TABLE IF NOT EXISTS decisions (at INTEGER NOT NULL, body TEXT NOT NULL)");
    this.#sql.exec("CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, body TEXT NOT NULL)");
  }

  /** Adds a batch of samples, drops what falls out of the window, and schedules an evaluation. */
  async ingest(batch: SampleBatch): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const s of batch.samples.slice(0, WINDOW)) {
        this.#sql.exec(
          "INSERT INTO samples (key, ns, size, at) VALUES (?, ?, ?, ?)",
          s.key,
          s.ns,
          s.size,
          s.at,
        );
      }
      this.#sql.exec("DELETE FROM samples WHERE seq <= (SELECT max(seq) FROM samples) - ?", WINDOW);
      this.#put("rate", batch.rate);
      this.#put("fresh", this.#get("fresh", 0) + Math.min(batch.samples.length, WINDOW));
    });
    const now = Date.now();
    const last = this.#get<Evaluation | null>("lastEvaluation", null);
    // The first evaluation runs as soon as there is enough to judge: until then the configured
    // policy runs untested, however wrong for the traffic.
    const first = last === null && this.#count() >= MIN_WINDOW;
    const enough = this.#get("fresh", 0) >= EVALUATE_EVERY_SAMPLES;
    const due = first
      ? now + FIRST_EVALUATION_MS
      : enough
        ? Math.max(now, this.#get("evaluatedAt", 0) + MIN_EVALUATION_INTERVAL_MS)
        : now + EVALUATE_EVERY_MS;
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due);
  }

  override async alarm(): Promise<void> {
    await this.evaluate();
  }

  /**
   * One evaluation: replays the window, updates the pending proposals and applies confirmed ones.
   * Answers what it did; `skipped` says why nothing was evaluated.
   */
  async evaluate(
    now = Date.now(),
  ): Promise<{ skipped?: string; evaluation?: Evaluation; decisions: Decision[] }> {
    const config = await resolveConfig(this.env);
    // Whatever comes of it, the samples so far have been looked at: the next alarm waits for new ones.
    this.ctx.storage.transactionSync(() => {
      this.#put("fresh", 0);
      this.#put("evaluatedAt", now);
    });
    if (!config.autoTune) return { skipped: "autoTune is off", decisions: [] };
    const window = this.#window();
    if (window.length < MIN_WINDOW) {
      return { skipped: `${window.length} samples, fewer than ${MIN_WINDOW}`, decisions: [] };
    }
    const current = tunedValues(config);
    const evaluation = await evaluate(window, this.#get("rate", 1), current, now, { seen: this.#seen() });
    const { decisions, pending } = decide(evaluation, current, this.#get("pending", {}));
    // Only the tuned fields: patchOf refuses anything else (semantic settings are never touched).
    if (decisions.length > 0) await updateConfig(this.env, patchOf(decisions));
    this.ctx.storage.transactionSync(() => {
      this.#put("pending", pending);
      this.#put("lastEvaluation", evaluation);
      for (const d of decisions)
        this.#sql.exec("INSERT INTO decisions VALUES (?, ?)", d.at, JSON.stringify(d));
      this.#sql.exec(
        "DELETE FROM decisions WHERE rowid NOT IN (SELECT rowid FROM decisions ORDER BY rowid DESC LIMIT ?)",
        KEEP_DECISIONS,
      );
    });
    return { evaluation, decisions };
  }

  /** The tuned settings as `config` has them, the window and the decisions, newest first. */
  status(config: CacheConfig): TuningStatus {
    const decisions = this.#sql
      .exec<{ body: string }>("SELECT body FROM decisions ORDER BY rowid DESC")
      .toArray()
      .map((row) => JSON.parse(row.body) as Decision);
    return {
      current: {
        ...tunedValues(config),
        window: this.#count(),
        sampleRate: this.#get("rate", 0),
        lastEvaluation: this.#get<Evaluation | null>("lastEvaluation", null),
      },
      pending: this.#get("pending", {}),
      decisions,
    };
  }

  /** Forgets the samples, the proposals and the decisions (tests, or after a change of traffic). */
  reset(): void {
    for (const table of ["samples", "decisions", "state"]) this.#sql.exec(`DELETE FROM ${table}`);
  }

  #count(): number {
    const [row] = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM samples").toArray();
    return row?.n ?? 0;
  }

  /** Samples received in all: the highest sequence number (AUTOINCREMENT never hands one out twice). */
  #seen(): number {
    const [row] = this.#sql.exec<{ n: number | null }>("SELECT max(seq) AS n FROM samples").toArray();
    return row?.n ?? 0;
  }

  #window(): AccessSample[] {
    // Batches from different isolates arrive out of order: replay by access time.
    return this.#sql
      .exec<{ key: string; ns: string; size: number; at: number }>(
        "SELECT key, ns, size, at FROM samples ORDER BY at, seq",
      )
      .toArray()
      .map((row) => ({ ...row }));
  }

  #get<T>(name: string, fallback: T): T {
    const [row] = this.#sql.exec<{ body: string }>("SELECT body FROM state WHERE name = ?", name).toArray();
    return row ? (JSON.parse(row.body) as T) : fallback;
  }

  #put(name: string, value: unknown): void {
    this.#sql.exec(
      "INSERT INTO state VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET body = excluded.body",
      name,
      JSON.stringify(value),
    );
  }
}
