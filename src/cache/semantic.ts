/** @module Verified semantic lookup: embed the question, find neighbours in its context, verify them. */
import { calibrationFor } from "../calibration-store";
import type { CacheConfig } from "../config";
import { withDeadline } from "../deadline";
import type { Env } from "../env";
import { describeError } from "../errors";
import { unionMatches } from "../semantic/candidates";
import { createEmbedder } from "../semantic/embedders/factory";
import type { Embedder } from "../semantic/embedders/types";
import { semanticScope } from "../semantic/fingerprint";
import { rerankAccepted } from "../semantic/rerankers/second-stage";
import { createWorkersAiReranker } from "../semantic/rerankers/workers-ai";
import { createTemplateRegistry, type TemplateRegistry } from "../semantic/templates";
import { createVectorIndex } from "../semantic/vectors/factory";
import type { LexicalMatch, LexicalQuery, VectorIndex } from "../semantic/vectors/types";
import { type Calibration, type SemanticMode, scorerFor } from "../semantic/verifier/calibration";
import type { CandidateSource, VerifyResult } from "../semantic/verifier/types";
import { modeOf, type VerifyOptions, verifyMatch } from "../semantic/verifier/verify";
import type { ChatParams } from "../upstream/types";
import { createScopeStore } from "./scopes";
import { type CacheStats, isolateStats } from "./stats";

/** One neighbour and the verifier's verdict on it. */
export interface Candidate {
  key: string;
  prompt: string;
  /** Cosine similarity of the questions; undefined when a lexical candidate's vector was not at hand. */
  similarity: number | undefined;
  /** Found by the vector index, the lexical index, or both. */
  source: CandidateSource;
  verdict: VerifyResult;
}

/** The verdict on a candidate whose similarity is unknown: every semantic hit must state its similarity. */
const UNKNOWN_SIMILARITY: VerifyResult = {
  accept: false,
  score: 0,
  reason: "similarity unknown: the candidate's vector is not at hand",
  conflicts: [],
};

/** The question of a request, where it may match, and its embedding. */
export interface SemanticProbe {
  namespace: string;
  question: string;
  fingerprint: string;
  /** The request without its question, as stable JSON (kept in D1 so the index can be rebuilt). */
  context: string;
  vector: Float32Array;
}

/**
 * Questions longer than this are matched exactly only: paraphrase detection is about short prompts,
 * and embedding a long document on every miss would cost more than it could save.
 */
export const MAX_SEMANTIC_CHARS = 4_000;

let templateCache: { source: readonly string[]; registry: TemplateRegistry } | undefined;

function templatesOf(config: CacheConfig): TemplateRegistry {
  if (templateCache?.source !== config.templates) {
    templateCache = { source: config.templates, registry: createTemplateRegistry(config.templates) };
  }
  return templateCache.registry;
}

/**
 * The semantic layer, or undefined when no embedder is configured (semantic matching is then off and
 * every lookup is exact only).
 */
export function createSemanticLayer(
  env: Env,
  config: CacheConfig,
  stats: Pick<CacheStats, "lexicalErrors" | "rerankErrors"> = isolateStats,
) {
  if (!config.semantic) return undefined;
  const configured = createEmbedder(env);
  if (!configured) return undefined;
  const embedder: Embedder = configured;
  const index: VectorIndex = createVectorIndex(env);
  const templates = templatesOf(config);

  /** Embeds the request's question; the embedder's model is part of the scope (vectors never mix). */
  async function probe(namespace: string, params: ChatParams): Promise<SemanticProbe | undefined> {
    const scope = await semanticScope(params, embedder.model);
    if (!scope.question.trim() || scope.question.length > MAX_SEMANTIC_CHARS) return undefined;
    const [vector] = await embedder.embed([scope.question]);
    return vector ? { namespace, ...scope, vector } : undefined;
  }

  let calibration: Promise<Calibration | undefined> | undefined;
  /** The calibration for this embedder (read once per request: the layer lives for one request). */
  const calibrated = (): Promise<Calibration | undefined> => {
    // Past L2's deadline the rules decide alone (the strict side), as with no calibration at all.
    calibration ??= withDeadline(
      calibrationFor(env.CACHE_KV, embedder.model),
      config.tiers.l2.readTimeoutMs,
      "calibration",
    ).catch(() => undefined);
    return calibration;
  };

  /** How candidates are verified: the preset, and the calibrated score when one fits the embedder. */
  async function verifyOptions(minSimilarity?: number): Promise<VerifyOptions> {
    const fitted = scorerFor(
      embedder.model,
      [await calibrated()].filter((c) => c !== undefined),
    );
    return {
      preset: config.semanticPreset,
      threshold: config.semanticThreshold,
      minScore: config.semanticMinScore,
      templates,
      ...(fitted ? { scorer: fitted.score } : {}),
      ...(minSimilarity !== undefined ? { minSimilarity } : {}),
    };
  }

  /** What /admin/stats reports: the embedder, its calibration and the mode the verifier runs in. */
  async function describe(): Promise<{ embedder: string; calibration: string | null; mode: SemanticMode }> {
    const c = await calibrated();
    const mode = modeOf(await verifyOptions());
    return { embedder: embedder.model, calibration: c ? `${c.embedder} (${c.source.data})` : null, mode };
  }

  /** Lexical candidates; a failure is logged and counted, and the lookup goes on with vector ones. */
  async function lexicalMatches(q: LexicalQuery): Promise<LexicalMatch[]> {
    if (!index.lexical || q.topK <= 0) return [];
    try {
      return await withDeadline(index.lexical(q), config.semanticIndexTimeoutMs, "lexical candidates");
    } catch (error) {
      stats.lexicalErrors++;
      console.warn(`r1cache: lexical candidates failed: ${describeError(error)}`);
      return [];
    }
  }

  /**
   * Entries of the same namespace and context, each with the verifier's verdict: the union of the
   * `topK` nearest and the `topK` best word matches (config defaults when `topK` is not given).
   * `minSimilarity` is a request's own threshold: it applies to every candidate.
   */
  async function candidates(p: SemanticProbe, minSimilarity?: number, topK?: number): Promise<Candidate[]> {
    const scope = { vector: p.vector, namespace: p.namespace, fingerprint: p.fingerprint };
    const options = await verifyOptions(minSimilarity);
    const lexicalK = config.semanticLexicalCandidates === 0 ? 0 : (topK ?? config.semanticLexicalCandidates);
    const [nearest, lexical] = await Promise.all([
      withDeadline(
        index.query({ ...scope, topK: topK ?? config.semanticCandidates }),
        config.semanticIndexTimeoutMs,
        "vector index query",
      ),
      lexicalMatches({ ...scope, text: p.question, topK: lexicalK }),
    ]);
    const verified = unionMatches(nearest, lexical).map((m) => ({
      key: m.id,
      prompt: m.text,
      similarity: m.similarity,
      source: m.source,
      verdict:
        m.similarity === undefined
          ? UNKNOWN_SIMILARITY
          : verifyMatch(p.question, m.text, m.similarity, { ...options, source: m.source }),
    }));
    return secondStage(p.question, verified);
  }

  /** The reranker's veto, when configured and calibrated (see {@link rerankAccepted}). */
  async function secondStage(question: string, verified: Candidate[]): Promise<Candidate[]> {
    const cut = (await calibrated())?.reranker;
    if (!config.semanticReranker || !env.AI || !cut) return verified;
    const reranker = createWorkersAiReranker(env.AI, { model: cut.model });
    return rerankAccepted(reranker, cut.minScore, question, verified, (error) => {
      stats.rerankErrors++;
      console.warn(`r1cache: reranker failed, the rules' verdicts stand: ${describeError(error)}`);
    });
  }

  /**
   * Makes a stored answer findable by paraphrases of its question, and keeps its context in D1 so the
   * vector can be rebuilt (a failure there is logged: the vector alone still serves).
   */
  async function remember(key: string, p: SemanticProbe): Promise<void> {
    const { namespace, fingerprint, question: text } = p;
    const scope = createScopeStore(env.DB)
      .put(key, namespace, p.context)
      .catch((error) => console.warn(`r1cache: semantic scope not kept: ${describeError(error)}`));
    const vector = index.upsert([
      { id: key, vector: p.vector, namespace, fingerprint, text, createdAt: Date.now() },
    ]);
    await Promise.all([scope, vector]);
  }

  return {
    embedder,
    index,
    probe,
    candidates,
    describe,
    remember,
    forget: (keys: string[], ns: string) => index.delete(keys, ns),
  };
}

export type SemanticLayer = NonNullable<ReturnType<typeof createSemanticLayer>>;
