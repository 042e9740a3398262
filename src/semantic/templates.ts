/** @module Registered prompt templates ("Analisar {symbol} usando {strategy}") and slot comparison. */

import { fold } from "./verifier/text";
import type { Conflict } from "./verifier/types";

/** A template as registered: an id and a pattern with `{slot}` placeholders. */
export interface PromptTemplate {
  readonly id: string;
  /** Literal text with `{name}` slots, e.g. `Analisar {symbol} usando {strategy}`. */
  readonly pattern: string;
}

/** A prompt recognised as an instance of a template, with its slot values normalised. */
export interface TemplateMatch {
  readonly id: string;
  readonly slots: Readonly<Record<string, string>>;
}

/** A set of compiled templates; {@link TemplateRegistry.match} returns the first that fits. */
export interface TemplateRegistry {
  readonly templates: readonly PromptTemplate[];
  match(prompt: string): TemplateMatch | null;
}

interface CompiledTemplate {
  readonly id: string;
  readonly regex: RegExp;
  readonly slotNames: readonly string[];
}

/** Case-, accent- and whitespace-insensitive form; trailing punctuation is not part of a prompt's meaning. */
function normalise(text: string): string {
  return fold(text)
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\s?!.;:]+$/u, "");
}

function escapeLiteral(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s*");
}

/** Compiles `Analisar {symbol} usando {strategy}` to an anchored regex with one group per slot. */
function compile(template: PromptTemplate): CompiledTemplate {
  const slotNames: string[] = [];
  const parts = normalise(template.pattern).split(/\{([\p{L}\p{N}_]+)\}/u);
  let source = "";
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      slotNames.push(part);
      source += "(.+?)";
    } else {
      source += escapeLiteral(part);
    }
  });
  return { id: template.id, regex: new RegExp(`^${source}$`, "u"), slotNames };
}

/** Slot values compare without quotes, brackets or surrounding punctuation. */
function slotValue(raw: string): string {
  return raw.replace(/^[\s"'“”‘’([]+|[\s"'“”‘’)\].,;:]+$/gu, "").replace(/\s+/g, " ");
}

/**
 * Builds a registry from templates; a bare string is its own id. Patterns are matched whole,
 * ignoring case, accents, runs of whitespace and trailing punctuation.
 */
export function createTemplateRegistry(templates: readonly (PromptTemplate | string)[]): TemplateRegistry {
  const list = templates.map((t) => (typeof t === "string" ? { id: t, pattern: t } : t));
  const compiled = list.map(compile);
  return {
    templates: list,
    match(prompt) {
      const text = normalise(prompt);
      for (const template of compiled) {
        const m = template.regex.exec(text);
        if (!m) continue;
        const slots: Record<string, string> = {};
        template.slotNames.forEach((name, i) => {
          slots[name] = slotValue(m[i + 1] ?? "");
        });
        return { id: template.id, slots };
      }
      return null;
    },
  };
}

/** The template match of both prompts, when both instantiate the same template. */
export function matchBoth(
  registry: TemplateRegistry,
  query: string,
  candidate: string,
): { a: TemplateMatch; b: TemplateMatch } | null {
  const a = registry.match(query);
  const b = a ? registry.match(candidate) : null;
  return a && b && a.id === b.id ? { a, b } : null;
}

/**
 * Rejects when both prompts instantiate the same template with a different value in some slot;
 * the detail names the slot (`slot "symbol": aapl vs msft`).
 */
export function templateConflict(
  registry: TemplateRegistry,
  query: string,
  candidate: string,
): Conflict | null {
  const both = matchBoth(registry, query, candidate);
  if (!both) return null;
  for (const [name, value] of Object.entries(both.a.slots)) {
    const other = both.b.slots[name];
    if (other !== value) {
      return {
        kind: "template",
        detail: `slot "${name}": ${value} vs ${other ?? ""} (template "${both.a.id}")`,
      };
    }
  }
  return null;
}
