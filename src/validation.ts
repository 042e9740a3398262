/** @module Request schemas and the validator middleware: a bad request is a 400 naming the field. */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { z } from "zod";
import { badRequest } from "./errors";
import type { ChatMessage } from "./upstream/types";

/** `messages[2].content` from a zod issue path. */
export function fieldName(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>((name, part) => {
      if (typeof part === "number") return `${name}[${part}]`;
      return name ? `${name}.${String(part)}` : String(part);
    }, "") || "body"
  );
}

/** zValidator whose failures throw a {@link badRequest} naming the first bad field. */
export function validate<T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) {
      const issue = result.error.issues[0];
      throw badRequest(fieldName(issue?.path ?? []), issue?.message ?? "invalid");
    }
  });
}

const textPart = z.object({ type: z.literal("text"), text: z.string() });

/**
 * How deep a free-form JSON field (tools, response_format, tool_calls) may nest. Keying hashes such
 * fields by walking them, and a tool schema needs a few levels, not thousands. @default 64
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects or arrays deeper than `max` levels (walked without recursion). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== "object") continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** A free-form JSON value refused past {@link MAX_JSON_DEPTH} levels, naming its field. */
const shallow = <T extends z.ZodType>(schema: T) =>
  schema.refine((value) => !nestsDeeperThan(value, MAX_JSON_DEPTH), {
    error: `nests deeper than ${MAX_JSON_DEPTH} levels`,
  });

/** Message content: a string, or text parts (joined; other part types are refused by name). */
const content = z.union([
  z.string(),
  z.array(textPart).transform((parts) => parts.map((p) => p.text).join("")),
]);

export const messageSchema = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool"], {
      error: "must be one of system, developer, user, assistant, tool",
    }),
    content: content.nullable().optional(),
    name: z.string().optional(),
    tool_calls: shallow(z.array(z.unknown())).optional(),
    tool_call_id: z.string().optional(),
  })
  .transform((m): ChatMessage => ({ ...m, content: m.content ?? null }));

export const chatCompletionSchema = z.looseObject({
  model: z.string().min(1).optional(),
  messages: z
    .array(messageSchema, {
      error: (issue) => (issue.input === undefined ? "is required" : "must be an array of messages"),
    })
    .min(1, "must contain at least one message"),
  temperature: z
    .number()
    .min(0, "must be between 0 and 2")
    .max(2, "must be between 0 and 2")
    .nullable()
    .optional(),
  top_p: z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").nullable().optional(),
  max_tokens: z.number().int().positive().nullable().optional(),
  max_completion_tokens: z.number().int().positive().nullable().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(16)])
    .nullable()
    .optional(),
  tools: shallow(z.array(z.unknown())).nullable().optional(),
  response_format: shallow(z.unknown()).optional(),
  seed: z.number().int().nullable().optional(),
  n: z.literal(1, { error: "only n=1 is supported" }).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
});

export type ChatCompletionBody = z.infer<typeof chatCompletionSchema>;

export const r1ChatSchema = z.object({
  prompt: z
    .string({ error: (i) => (i.input === undefined ? "is required" : "must be a string") })
    .min(1, "must not be empty"),
  use_cache: z.boolean().default(true),
  use_context: z.boolean().default(false),
  max_tokens: z.number().int().positive().optional(),
  stream: z.boolean().default(false),
  model: z.string().min(1).optional(),
});

export const r1SearchSchema = z.object({
  prompt: z
    .string({ error: (i) => (i.input === undefined ? "is required" : "must be a string") })
    .min(1, "must not be empty"),
  threshold: z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1").optional(),
  k: z.number().int().min(1, "must be between 1 and 20").max(20, "must be between 1 and 20").default(5),
  model: z.string().min(1).optional(),
});
