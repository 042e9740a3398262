/** @module Inverse document frequencies of word stems, for weighting which words of a pair matter. */

import { IDF_DOCUMENTS, IDF_TABLE } from "../model/idf-table";

/** Looks up the IDF of a stem; stems outside the table count as rare. */
export type IdfLookup = (stem: string) => number;

/** IDF of a stem seen in `df` of `documents` texts (smoothed, always >= 1). */
export function idfOf(df: number, documents: number): number {
  return Math.log((documents + 1) / (df + 1)) + 1;
}

/**
 * Parses a table of `stem:idf*10` entries separated by spaces; anything missing gets the IDF of a stem
 * seen once, so unseen domain words (tickers, jargon) weigh as much as the rarest words in the table.
 */
export function createIdfLookup(table: string, documents: number): IdfLookup {
  const map = new Map<string, number>();
  for (const entry of table.split(" ")) {
    const at = entry.lastIndexOf(":");
    if (at > 0) map.set(entry.slice(0, at), Number(entry.slice(at + 1)) / 10);
  }
  const rare = idfOf(1, documents);
  return (stem) => map.get(stem) ?? rare;
}

/** Encodes `stem -> idf` as the compact table string {@link createIdfLookup} reads. */
export function encodeIdfTable(idf: ReadonlyMap<string, number>): string {
  return [...idf]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stem, value]) => `${stem}:${Math.round(value * 10)}`)
    .join(" ");
}

let shipped: IdfLookup | undefined;

/** The shipped table (bench/eval/idf.ts, from the QQP fitting rows), parsed on first use. */
export function defaultIdf(): IdfLookup {
  shipped ??= createIdfLookup(IDF_TABLE, IDF_DOCUMENTS);
  return shipped;
}
