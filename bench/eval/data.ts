/** @module Loads the shared evaluation data (read in place from ../shared/data, never copied). */

import { readFileSync } from "node:fs";
import path from "node:path";

/** Where the shared data lives; override with R1CACHE_DATA_DIR. */
export const DATA_DIR = process.env.R1CACHE_DATA_DIR ?? path.resolve(process.cwd(), "../shared/data");

/** One GPTCache mock pair. */
export interface GptCachePair {
  readonly origin: string;
  readonly similar: string;
}

/** One Quora question pair with its human label. */
export interface QqpPair {
  readonly row: number;
  readonly a: string;
  readonly b: string;
  readonly duplicate: boolean;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null;
}

/** gptcache-mock.json: 999 `{origin, similar}` pairs. */
export function loadGptCache(): GptCachePair[] {
  const raw: unknown = JSON.parse(readFileSync(path.join(DATA_DIR, "gptcache-mock.json"), "utf8"));
  if (!Array.isArray(raw)) throw new Error("gptcache-mock.json: expected an array");
  return raw.map((item, i) => {
    if (!isRecord(item) || typeof item.origin !== "string" || typeof item.similar !== "string") {
      throw new Error(`gptcache-mock.json: bad item ${i}`);
    }
    return { origin: item.origin, similar: item.similar };
  });
}

/** Parses a QQP jsonl file (`{a, b, duplicate}` per line); rows numbered from 0 in file order. */
function readQqp(file: string): QqpPair[] {
  const lines = readFileSync(path.join(DATA_DIR, file), "utf8").split("\n").filter(Boolean);
  return lines.map((line, row) => {
    const item: unknown = JSON.parse(line);
    if (!isRecord(item) || typeof item.a !== "string" || typeof item.b !== "string") {
      throw new Error(`${file}: bad row ${row}`);
    }
    return { row, a: item.a, b: item.b, duplicate: item.duplicate === true };
  });
}

/** qqp-dev.jsonl: 12,000 `{a, b, duplicate}` rows, numbered from 0 in file order. */
export function loadQqp(): QqpPair[] {
  return readQqp("qqp-dev.jsonl");
}

/** Rows `from` to `to` (both included, 0-based file order) of a QQP file, taking every `every`-th. */
export interface RowRange {
  readonly from: number;
  readonly to: number;
  readonly every: number;
}

/** The rows of `range` from a QQP jsonl file in the data directory; fails if the file is shorter. */
export function loadQqpRows(file: string, range: RowRange): QqpPair[] {
  const all = readQqp(file);
  if (range.to >= all.length) throw new Error(`${file} has ${all.length} rows, not ${range.to + 1}`);
  return all.filter(
    (p) => p.row >= range.from && p.row <= range.to && (p.row - range.from) % range.every === 0,
  );
}

/** Rows used to fit the verifier's weights; every other row is held out. */
export const QQP_FIT_ROWS = { from: 0, to: 8000 } as const;

/** Whether a QQP row belongs to the fitting split (rows 0-7,999). */
export function isFitRow(row: number): boolean {
  return row >= QQP_FIT_ROWS.from && row < QQP_FIT_ROWS.to;
}
