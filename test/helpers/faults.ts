/** Storage bindings that fail or answer late, wrapped around the real ones, for fault tests. */
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";

/** A binding whose every method throws, as a KV/D1/R2 outage would. */
export function broken<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: () => () => {
      throw new Error(`${name} is unavailable`);
    },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `target` with the methods named in `slow` answering `ms` late. The real call runs first and only
 * its answer is held back, so nothing touches storage after the test that caused it.
 */
function delayed<T extends object>(target: T, slow: (method: string) => boolean, ms: number): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      // Reflect.apply, not value.apply: on an RPC stub `.apply` would be a remote property.
      if (typeof prop !== "string" || !slow(prop))
        return (...args: unknown[]) => Reflect.apply(value, t, args);
      return async (...args: unknown[]) => {
        const result = await Reflect.apply(value, t, args);
        await sleep(ms);
        return result;
      };
    },
  });
}

/** The test's KV, its reads `ms` late (writes, lists and deletes on time). */
export const slowKv = (ms: number): KVNamespace =>
  delayed(env.CACHE_KV, (m) => m === "get" || m === "getWithMetadata", ms);

/** The test's R2 bucket, its reads `ms` late. */
export const slowR2 = (ms: number): R2Bucket => delayed(env.ARCHIVE, (m) => m === "get" || m === "head", ms);

/** The test's D1 database, its SELECT statements answering `ms` late (writes on time). */
export function slowD1(ms: number): D1Database {
  const real = env.DB;
  const originals = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement, query: string): D1PreparedStatement => {
    const isRead = /^\s*select/i.test(query);
    const proxy = new Proxy(statement, {
      get(s, prop) {
        const value = Reflect.get(s, prop, s);
        if (typeof value !== "function") return value;
        if (prop === "bind") return (...args: unknown[]) => wrap(value.apply(s, args), query);
        if (!isRead || !["first", "all", "raw", "run"].includes(String(prop))) return value.bind(s);
        return async (...args: unknown[]) => {
          const result = await value.apply(s, args);
          await sleep(ms);
          return result;
        };
      },
    });
    originals.set(proxy, statement);
    return proxy;
  };
  return new Proxy(real, {
    get(db, prop) {
      const value = Reflect.get(db, prop, db);
      if (prop === "prepare") return (query: string) => wrap(real.prepare(query), query);
      // A batch takes the runtime's own statement objects.
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          real.batch(statements.map((s) => originals.get(s) ?? s));
      }
      return typeof value === "function" ? value.bind(db) : value;
    },
  });
}

/** The vector shards' namespace, each shard's queries (vector and lexical) answering `ms` late. */
export function slowShards(ms: number): Env["VECTOR_SHARDS"] {
  const real = env.VECTOR_SHARDS;
  return new Proxy(real, {
    get(ns, prop) {
      if (prop === "get") {
        return (id: DurableObjectId) => delayed(real.get(id), (m) => m === "query" || m === "lexical", ms);
      }
      const value = Reflect.get(ns, prop, ns);
      return typeof value === "function" ? value.bind(ns) : value;
    },
  });
}

/**
 * The vector shards' namespace, every shard's RPC failing: with `overloaded`, the error a Durable
 * Object's stub throws when too many requests are queued for it (`.overloaded = true`).
 */
export function failingShards(kind: "throws" | "overloaded"): Env["VECTOR_SHARDS"] {
  const real = env.VECTOR_SHARDS;
  const fail = () => {
    if (kind === "throws") throw new Error("VectorShard: internal error");
    throw Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), {
      overloaded: true,
      retryable: false,
    });
  };
  const stub = new Proxy({}, { get: (_, prop) => (prop === "then" ? undefined : async () => fail()) });
  return new Proxy(real, {
    get(ns, prop) {
      if (prop === "get" || prop === "getByName") return () => stub;
      const value = Reflect.get(ns, prop, ns);
      return typeof value === "function" ? value.bind(ns) : value;
    },
  });
}
