/**
 * Golden values of the exact cache key (src/cache/key.ts) and the context fingerprint
 * (src/semantic/fingerprint.ts) for fixed requests.
 *
 * Every stored entry is found by these hashes: entries by their exact key in L1-L4 and D1, aliases by
 * theirs, vectors and lexical rows by their fingerprint. A change that alters any of them (canonical
 * form, defaults, field names, hashing) silently orphans every stored entry: nothing errors, every
 * lookup just misses. If one of these tests fails, do not update the literal to make it pass: bump the
 * version field (`v` in exactKey / semanticScope) on purpose and plan a migration (or accept a cold
 * cache) in the same change, then update the literals.
 */
import { describe, expect, it } from "vitest";
import { canonicalParams, exactKey, type RawChatParams, stableStringify } from "../../src/cache/key";
import { LOCAL_EMBEDDER_MODEL } from "../../src/semantic/embedders/service";
import { WORKERS_AI_DEFAULT_EMBEDDING_MODEL } from "../../src/semantic/embedders/workers-ai";
import { fingerprintOf, semanticScope } from "../../src/semantic/fingerprint";

const MINIMAL: RawChatParams = { messages: [{ role: "user", content: "O que são Order Blocks?" }] };

const FULL: RawChatParams = {
  model: "deepseek-r1",
  messages: [
    { role: "system", content: "Você é um analista de trading." },
    { role: "user", content: "Analisar PETR4 usando RSI" },
    { role: "assistant", content: "<think>raciocínio</think>RSI em 70." },
    { role: "user", content: "E usando MACD?" },
  ],
  temperature: 0.2,
  top_p: 0.9,
  max_tokens: 512,
  stop: "\n\n",
  seed: 7,
  response_format: { type: "json_object" },
  tools: [{ type: "function", function: { name: "quote", parameters: { type: "object" } } }],
};

describe("golden exact keys (a change orphans every stored entry: bump the version instead)", () => {
  it("pins the canonical form of a minimal request", () => {
    expect(stableStringify({ v: 1, namespace: "acme", ...canonicalParams(MINIMAL) })).toBe(
      '{"max_tokens":null,"messages":[{"content":"O que são Order Blocks?","role":"user"}],' +
        '"model":"deepseek-reasoner","namespace":"acme","response_format":null,"seed":null,"stop":null,' +
        '"temperature":1,"tools":null,"top_p":1,"v":1}',
    );
  });

  it("pins the key of a minimal request, and of the same request with the defaults spelled out", async () => {
    const golden = "fe8d321242f81668589ece2485d3c70cba22352c1565b8b53ef38c0c59c3c704";
    expect(await exactKey("acme", canonicalParams(MINIMAL))).toBe(golden);
    const spelled = { ...MINIMAL, model: "deepseek-reasoner", temperature: 1, top_p: 1, stop: [], tools: [] };
    expect(await exactKey("acme", canonicalParams(spelled))).toBe(golden);
  });

  it("pins the key of a request with every parameter and a conversation", async () => {
    expect(await exactKey("acme", canonicalParams(FULL))).toBe(
      "1af158046cd065ecccc0a968124417fbb0c775bc017da3501fc5bb83b7d9dfa4",
    );
  });
});

describe("golden context fingerprints (a change orphans every stored vector: bump the version instead)", () => {
  it("pins the fingerprint of a minimal request for the offline and the Workers AI embedder", async () => {
    const params = canonicalParams(MINIMAL);
    const scope = await semanticScope(params, LOCAL_EMBEDDER_MODEL);
    expect({ question: scope.question, fingerprint: scope.fingerprint }).toEqual({
      question: "O que são Order Blocks?",
      fingerprint: "fb44136120a19f8f34631af1a929774c7b6a3d5906ab7c343dfb04917ab81cf2",
    });
    // The context kept in D1 for rebuilds gives the same fingerprint back.
    expect(await fingerprintOf(scope.context, LOCAL_EMBEDDER_MODEL)).toBe(scope.fingerprint);
    expect((await semanticScope(params, WORKERS_AI_DEFAULT_EMBEDDING_MODEL)).fingerprint).toBe(
      "4ee40d2cfc61e9e8460216bcf605fe1e1374101ca646ab443f95ea94b6a9b1fc",
    );
  });

  it("pins the fingerprint of a conversation (system prompt, earlier turns, every parameter)", async () => {
    const params = canonicalParams(FULL);
    const scope = await semanticScope(params, LOCAL_EMBEDDER_MODEL);
    expect({ question: scope.question, fingerprint: scope.fingerprint }).toEqual({
      question: "E usando MACD?",
      fingerprint: "3f369735054c0b1b1e20228e7a58c20e040f9f09123e21236b1e4a9ac814ebdb",
    });
    // The context kept in D1 for rebuilds gives the same fingerprint back.
    expect(await fingerprintOf(scope.context, LOCAL_EMBEDDER_MODEL)).toBe(scope.fingerprint);
    expect((await semanticScope(params, WORKERS_AI_DEFAULT_EMBEDDING_MODEL)).fingerprint).toBe(
      "cab81c20eb0119436c52f20236c0ae8aa51a7377a51aba3b6575cdbaa47e8a65",
    );
  });
});
