import { env } from "cloudflare:workers";
import { createLocalVectorIndex } from "../../src/semantic/vectors/local";
import { createReadYourWritesIndex } from "../../src/semantic/vectors/read-your-writes";
import { createVectorizeIndex } from "../../src/semantic/vectors/vectorize";
import { createFakeVectorize } from "../helpers/fake-vectorize";
import { createMemoryVectorIndex } from "../helpers/memory-vector-index";
import { testVectorIndex } from "./vector-index-contract";

// The reference implementation, so a failure elsewhere is the backend's and not the suite's.
testVectorIndex("in-memory reference", () => createMemoryVectorIndex(), { lexical: true });

// Real Durable Objects with SQLite storage inside workerd.
testVectorIndex("local (VectorShard Durable Objects)", () => createLocalVectorIndex(env.VECTOR_SHARDS), {
  lexical: true,
});

// Vectorize cannot run locally: the client against a fake that answers like a cosine index.
// No lexical search: Vectorize cannot search text (the shards index it beside Vectorize, see below).
testVectorIndex("vectorize (fake binding)", () => createVectorizeIndex(createFakeVectorize()), {
  lexical: false,
});

testVectorIndex(
  "read-your-writes (consistent primary + local)",
  () => createReadYourWritesIndex(createMemoryVectorIndex(), createLocalVectorIndex(env.VECTOR_SHARDS)),
  { lexical: true },
);

// A primary that has not indexed anything yet, like Vectorize in the seconds after an upsert.
testVectorIndex(
  "read-your-writes (lagging primary + local)",
  () =>
    createReadYourWritesIndex(
      createMemoryVectorIndex({ lagging: true }),
      createLocalVectorIndex(env.VECTOR_SHARDS),
    ),
  { lexical: true },
);

testVectorIndex(
  "read-your-writes (fake Vectorize + local)",
  () =>
    createReadYourWritesIndex(
      createVectorizeIndex(createFakeVectorize()),
      createLocalVectorIndex(env.VECTOR_SHARDS),
    ),
  { lexical: true },
);
