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
  /** Extension: answer from the documents added with `POST /v1/r1/context` (not sent upstream). */
  use_context: z.boolean({ error: "must be a boolean" }).optional(),
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

const contextIdSchema = z
  .string({ error: "must be a string" })
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 letters, digits, '.', '_', ':' or '-'");

const chunkTokensSchema = z.coerce
  .number()
  .int()
  .min(32, "must be between 32 and 2048")
  .max(2048, "must be between 32 and 2048")
  .optional();
const overlapTokensSchema = z.coerce
  .number()
  .int()
  .min(0, "must be between 0 and 512")
  .max(512, "must be between 0 and 512")
  .optional();

/** Options of a document load, in the JSON body or (streamed text bodies) the query string. */
export const contextOptionsSchema = z.object({
  context_id: contextIdSchema.optional(),
  chunk_tokens: chunkTokensSchema,
  overlap_tokens: overlapTokensSchema,
  progress: z.enum(["0", "1", "true", "false"]).optional(),
});

/** `POST /v1/r1/context` as JSON: the whole document in `text`. */
export const contextSchema = z.object({
  text: z.string({ error: (i) => (i.input === undefined ? "is required" : "must be a string") }),
  context_id: contextIdSchema.optional(),
  chunk_tokens: chunkTokensSchema,
  overlap_tokens: overlapTokensSchema,
});

const kbDocument = z.object({
  id: contextIdSchema.optional(),
  text: z.string({ error: (i) => (i.input === undefined ? "is required" : "must be a string") }),
});
const kbEntry = z.object({
  question: z.string({ error: "must be a string" }).min(1, "must not be empty"),
  answer: z.string({ error: "must be a string" }).min(1, "must not be empty"),
  reasoning: z.string().optional(),
});

/** `POST /v1/r1/knowledge-base`: documents and question/answer entries (which also warm the cache). */
export const knowledgeBaseSchema = z
  .object({
    id: contextIdSchema.default("knowledge-base"),
    documents: z.array(kbDocument).max(1000, "at most 1000 documents").default([]),
    entries: z.array(kbEntry).max(10_000, "at most 10000 entries").default([]),
    model: z.string().min(1).optional(),
    chunk_tokens: chunkTokensSchema,
    overlap_tokens: overlapTokensSchema,
  })
  .refine((kb) => kb.documents.length + kb.entries.length > 0, {
    message: "must hold documents or entries",
    path: ["documents"],
  });

/** `POST /v1/r1/context/search`: the chunks `use_context` would put in the prompt, without asking R1. */
export const contextSearchSchema = z.object({
  prompt: z
    .string({ error: (i) => (i.input === undefined ? "is required" : "must be a string") })
    .min(1, "must not be empty"),
  k: z.number().int().min(1, "must be between 1 and 20").max(20, "must be between 1 and 20").default(5),
  max_tokens: z
    .number()
    .int()
    .min(1, "must be between 1 and 32000")
    .max(32_000, "must be between 1 and 32000")
    .default(2_000),
});
