/**
 * @module The traffic model behind `npm run scaling` (bench/scaling.mjs): Zipf keys over tenants, requests
 * spread over isolates in PoPs, and the load every Durable Object, KV key and D1 database receives, per
 * simulated second. Plain Node, no dependencies, deterministic for a seed. See SCALING.md.
 */

/** Hit statistics flush to D1 every 5 s or at 200 keys per isolate (src/tiers/d1.ts). */
const TOUCH_FLUSH_S = 5;
const TOUCH_FLUSH_KEYS = 200;
/** Keys are indexed in typed arrays; beyond this the model would need too much memory. */
const KEY_SPACE = 2 ** 24;
const LONG_AGO = -1e6;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const helper1 = (x) => (Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - x / 4)));
const helper2 = (x) => (Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + (x / 2) * (1 + (x / 3) * (1 + x / 4)));

/**
 * Zipf(n, s) ranks 1..n by rejection-inversion (Hörmann and Derflinger 1996, as in Apache Commons RNG):
 * O(1) per draw, no table, so a universe of millions of keys costs nothing to set up.
 */
export function createZipf(n, s) {
  const h = (x) => Math.exp(-s * Math.log(x));
  const hIntegral = (x) => helper2((1 - s) * Math.log(x)) * Math.log(x);
  const hIntegralInverse = (x) => Math.exp(helper1(Math.max(-1, x * (1 - s))) * x);
  const hX1 = hIntegral(1.5) - 1;
  const hN = hIntegral(n + 0.5);
  const cut = 2 - hIntegralInverse(hIntegral(2.5) - h(2));
  return (rand) => {
    for (;;) {
      const u = hN + rand() * (hX1 - hN);
      const x = hIntegralInverse(u);
      const k = Math.min(n, Math.max(1, Math.floor(x + 0.5)));
      if (k - x <= cut || u >= hIntegral(k + 0.5) - h(k)) return k;
    }
  };
}

/** sum_{k=1..n} k^-s: exact for the first 10,000 terms, the midpoint integral beyond. */
export function harmonic(n, s) {
  const exact = Math.min(n, 10_000);
  let sum = 0;
  for (let k = 1; k <= exact; k++) sum += k ** -s;
  if (n === exact) return sum;
  const a = exact + 0.5;
  const b = n + 0.5;
  return sum + (s === 1 ? Math.log(b / a) : (b ** (1 - s) - a ** (1 - s)) / (1 - s));
}

/**
 * Steady state of one tenant whose keys arrive at `rate` req/s, Zipf(n, s), each cached for `ttl` s after
 * its miss: key k is a miss once per cycle of ttl + 1/lambda_k, so it is cached with probability
 * lambda*ttl / (1 + lambda*ttl) and costs lambda / (1 + lambda*ttl) new entries per second.
 */
export function steadyState(rate, n, s, ttl) {
  const norm = rate / harmonic(n, s);
  let live = 0;
  let newPerSecond = 0;
  for (let k = 1; k <= n; k++) {
    const lambda = norm * k ** -s;
    live += (lambda * ttl) / (1 + lambda * ttl);
    newPerSecond += lambda / (1 + lambda * ttl);
  }
  return { live, newPerSecond };
}

/** Tenants: one hot tenant with `hotShare` of the traffic and keys, the rest split evenly. */
export function tenantLayout(o) {
  const hotKeys = Math.max(1000, Math.round(o.keys * o.hotShare));
  const restKeys = Math.max(1000, Math.round((o.keys * (1 - o.hotShare)) / (o.tenants - 1)));
  const hotRate = o.rps * o.hotShare;
  const restRate = (o.rps * (1 - o.hotShare)) / (o.tenants - 1);
  const hot = steadyState(hotRate, hotKeys, o.s, o.ttlS);
  const rest = steadyState(restRate, restKeys, o.s, o.ttlS);
  const hotNorm = hotRate / harmonic(hotKeys, o.s);
  const restNorm = restRate / harmonic(restKeys, o.s);
  return {
    keysOf: (j) => (j === 0 ? hotKeys : restKeys),
    offsetOf: (j) => (j === 0 ? 0 : hotKeys + (j - 1) * restKeys),
    rateOf: (j) => (j === 0 ? hotRate : restRate),
    normOf: (j) => (j === 0 ? hotNorm : restNorm),
    totalKeys: hotKeys + (o.tenants - 1) * restKeys,
    liveOf: (j) => (j === 0 ? hot.live : rest.live),
    live: hot.live + (o.tenants - 1) * rest.live,
    newPerSecond: hot.newPerSecond + (o.tenants - 1) * rest.newPerSecond,
  };
}

/** A set of non-negative integers as a hashed bitset: no allocation per member; collisions (~1%) only drop a member. */
function createBitSet(bits = 2 ** 27) {
  const words = new Uint32Array(bits / 32);
  const slot = (n) => (Math.imul((n % 4294967291) + Math.floor(n / 4294967291), 0x9e3779b1) >>> 0) % bits;
  return {
    has: (n) => (words[slot(n) >>> 5] & (1 << (slot(n) & 31))) !== 0,
    add(n) {
      const b = slot(n);
      words[b >>> 5] |= 1 << (b & 31);
    },
  };
}

/** Fibonacci hashing of an integer id onto `buckets` (shard choice by key or by isolate). */
const bucket = (id, buckets) => (Math.imul(id + 1, 0x9e3779b1) >>> 0) % buckets;

/** Per-object counters of one simulated run; `peak*` fields are maxima over the simulated seconds. */
function createCounters(o, seconds) {
  return {
    requests: 0,
    hits: 0,
    l3Hits: 0,
    lookups: 0,
    localJoins: 0,
    upstream: 0,
    coalescer: new Map(),
    peakCoalescer: 0,
    peakFollowers: 0,
    followers: new Map(),
    relaysSeen: createBitSet(),
    peakKvWrites: 0,
    vecQueries: new Float64Array(seconds * o.tenants),
    vecWrites: new Float64Array(seconds * o.tenants),
    d1Reads: new Float64Array(seconds * o.d1Shards),
    d1Writes: new Float64Array(seconds * o.d1Shards),
    d1Touch: new Float64Array(seconds * o.d1Shards),
    statsRpc: new Float64Array(seconds * o.statsShards),
  };
}

/** Simulates `o.seconds` of traffic at `o.rps` and returns the counters plus the run's shape. */
export function simulate(o) {
  const rand = mulberry32(o.seed);
  const layout = tenantLayout(o);
  const isolates = Math.max(1, Math.ceil(o.rps / o.rpsPerIsolate));
  const horizon = o.seconds + Math.ceil(o.upstreamS) + 2;
  const c = createCounters(o, horizon);
  const zipfHot = createZipf(layout.keysOf(0), o.s);
  const zipfRest = createZipf(layout.keysOf(1), o.s);
  const K = layout.totalKeys;
  if (K >= KEY_SPACE) throw new Error(`--keys too large (max ${KEY_SPACE})`);
  const storedAt = new Float32Array(K).fill(Number.NaN);
  const storePop = new Uint16Array(K);
  // Cold: every key starts uncached. Warm: each key is cached with its steady-state probability, except
  // the hottest entry of the hot tenant, which expires at t = 0 (as it does once per TTL).
  const touched = new Uint8Array(K).fill(o.warm ? 0 : 1);
  touched[0] = 1;
  const l1 = createBitSet(); // isolate * K + key: fresh entries an isolate back-filled from D1
  const local = createBitSet(); // isolate * K + key: in-isolate flights (--isolate-join)
  const kvSecond = new Int32Array(K).fill(-1); // KV writes per key, in the second of the last write
  const kvCount = new Uint32Array(K);
  const rootFollowers = new Uint32Array(K);
  const pending = Array.from({ length: isolates }, () => new Set()); // hit stats waiting for D1
  // Isolates start at different times, so their 5 s hit-stat flushes are spread out.
  const lastTouchFlush = Float64Array.from({ length: isolates }, () => -rand() * TOUCH_FLUSH_S);
  const statsBits = new Uint8Array(isolates * o.statsShards);
  const statsAny = new Uint8Array(isolates);

  const count = (map, id) => {
    const n = (map.get(id) ?? 0) + 1;
    map.set(id, n);
    return n;
  };
  const d1 = (arr, g, sec) => {
    arr[sec * o.d1Shards + bucket(g, o.d1Shards)]++;
  };
  // A key's writes come in time order (the store is booked at flight start, back-fills follow it).
  const kvWrite = (g, sec) => {
    kvCount[g] = kvSecond[g] === sec ? kvCount[g] + 1 : 1;
    kvSecond[g] = sec;
    if (sec < o.seconds) c.peakKvWrites = Math.max(c.peakKvWrites, kvCount[g]);
  };

  function warm(g, j, k) {
    touched[g] = 1;
    const lambda = layout.normOf(j) * k ** -o.s;
    if (rand() < (lambda * o.ttlS) / (1 + lambda * o.ttlS)) storedAt[g] = LONG_AGO;
  }

  function recordStats(i, g, isHit, t, sec) {
    if (o.statsRouting === "key") statsBits[i * o.statsShards + bucket(g, o.statsShards)] = 1;
    else statsAny[i] = 1;
    if (!isHit) return;
    // Today's code: every hit (any tier) calls the D1 tier's touch (src/tiers/d1.ts).
    const p = pending[i];
    p.add(g);
    if (t - lastTouchFlush[i] < TOUCH_FLUSH_S && p.size < TOUCH_FLUSH_KEYS) return;
    lastTouchFlush[i] = t;
    for (const key of p) d1(c.d1Touch, key, sec);
    p.clear();
  }

  function hit(g, i, pop, t, sec) {
    c.hits++;
    const age = t - storedAt[g];
    // KV shows a new value at once where it was written, elsewhere after up to ~60 s (negative lookups
    // are cached too): until then other PoPs miss L2 and read D1; the chain back-fills KV from there.
    if (age < o.kvPropagationS && pop !== storePop[g] && !l1.has(i * K + g)) {
      c.l3Hits++;
      if (!o.d1OffReadPath) d1(c.d1Reads, g, sec);
      l1.add(i * K + g);
      if (age >= o.kvBackfillMinAgeS) kvWrite(g, sec);
    }
    recordStats(i, g, true, t, sec);
  }

  function joinCoalescer(g, i) {
    const R = o.coalescerFanout;
    const root = g * (R + 1) + R;
    if (R === 1) {
      c.peakFollowers = Math.max(c.peakFollowers, ++rootFollowers[g]);
      return [root];
    }
    const relay = g * (R + 1) + (i % R);
    const first = !c.relaysSeen.has(relay);
    if (first) c.relaysSeen.add(relay);
    return first ? [relay, root] : [relay];
  }

  function miss(g, j, i, pop, t, sec) {
    if (o.isolateJoin && local.has(i * K + g)) {
      c.localJoins++;
      recordStats(i, g, false, t, sec);
      return;
    }
    c.lookups++;
    if (!o.d1OffReadPath) {
      d1(c.d1Reads, g, sec); // L3 get
      d1(c.d1Reads, g, sec); // alias get
    }
    c.vecQueries[sec * o.tenants + j]++; // semantic lookup: query + lexical on the namespace shard
    for (const obj of joinCoalescer(g, i)) {
      c.peakCoalescer = Math.max(c.peakCoalescer, count(c.coalescer, obj));
      // Followers are tracked for the hottest 1,000 keys only (they are the hottest objects).
      if (o.coalescerFanout > 1 && g < 1000)
        c.peakFollowers = Math.max(c.peakFollowers, count(c.followers, obj));
    }
    if (Number.isNaN(storedAt[g])) startFlight(g, j, pop, t);
    if (o.isolateJoin) local.add(i * K + g);
    recordStats(i, g, false, t, sec);
  }

  function startFlight(g, j, pop, t) {
    c.upstream++;
    const done = t + o.upstreamS;
    storedAt[g] = done;
    storePop[g] = pop;
    const s2 = Math.floor(done);
    kvWrite(g, s2); // store: L2 put
    d1(c.d1Writes, g, s2); // store: L3 insert
    c.vecWrites[s2 * o.tenants + j]++; // indexQuestion: upsert into the namespace shard
  }

  function flushStats(sec) {
    const N = o.statsShards;
    for (let i = sec % o.statsFlushS; i < isolates; i += o.statsFlushS) {
      if (o.statsRouting === "isolate") {
        if (statsAny[i]) c.statsRpc[sec * N + bucket(i, N)]++;
        statsAny[i] = 0;
        continue;
      }
      for (let sh = 0; sh < N; sh++) {
        if (!statsBits[i * N + sh]) continue;
        c.statsRpc[sec * N + sh]++;
        statsBits[i * N + sh] = 0;
      }
    }
  }

  const hotRest = layout.rateOf(0) / o.rps;
  for (let sec = 0; sec < o.seconds; sec++) {
    c.coalescer.clear();
    for (let n = 0; n < o.rps; n++) {
      const t = sec + n / o.rps;
      const j = rand() < hotRest ? 0 : 1 + Math.floor(rand() * (o.tenants - 1));
      const k = j === 0 ? zipfHot(rand) : zipfRest(rand);
      const g = layout.offsetOf(j) + k - 1;
      const i = Math.floor(rand() * isolates);
      if (!touched[g]) warm(g, j, k);
      c.requests++;
      if (storedAt[g] <= t) hit(g, i, i % o.pops, t, sec);
      else miss(g, j, i, i % o.pops, t, sec);
    }
    flushStats(sec);
  }
  return { counters: c, layout, isolates };
}
