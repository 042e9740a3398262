/** @module Runs every hard check of the verifier and collects the conflicts between two prompts. */

import { type TemplateRegistry, templateConflict } from "../../templates";
import type { Conflict } from "../types";
import { dateConflict } from "./dates";
import { entityConflict } from "./entities";
import { identifierConflict } from "./identifiers";
import { negationConflict } from "./negation";
import { numberConflict } from "./numbers";
import { oppositeConflict } from "./opposites";
import { orderConflict } from "./order";

type Check = (query: string, candidate: string) => Conflict | null;

/** Checks in reporting order: the most specific evidence comes first in a reason. */
const CHECKS: readonly Check[] = [
  identifierConflict,
  numberConflict,
  dateConflict,
  negationConflict,
  oppositeConflict,
  orderConflict,
  entityConflict,
];

/**
 * Every hard conflict between query and candidate: template slots (when a registry is given), then
 * identifiers, numbers, dates, negation, opposites, word order and named entities.
 */
export function findConflicts(query: string, candidate: string, templates?: TemplateRegistry): Conflict[] {
  const out: Conflict[] = [];
  const slot = templates ? templateConflict(templates, query, candidate) : null;
  if (slot) out.push(slot);
  for (const check of CHECKS) {
    const conflict = check(query, candidate);
    if (conflict) out.push(conflict);
  }
  return out;
}

/** `number: 1% vs 2%`. */
export function describeConflict(conflict: Conflict): string {
  return `${conflict.kind}: ${conflict.detail}`;
}
