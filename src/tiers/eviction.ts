/**
 * @module Eviction policies for the L1 memory tier: which key goes first when it is over budget. One
 * file per policy under eviction/, all behind `EvictionPolicy` (eviction/policy.ts).
 */
import { createAdaptivePolicy } from "./eviction/adaptive";
import { createHybridPolicy } from "./eviction/hybrid";
import { createLfuPolicy } from "./eviction/lfu";
import { createLruPolicy } from "./eviction/lru";
import type { EvictionPolicy, EvictionPolicyName } from "./eviction/policy";

export { createFrequencySketch } from "./eviction/frequency-sketch";
export type { EvictionPolicy, EvictionPolicyName } from "./eviction/policy";
export { createAdaptivePolicy, createHybridPolicy, createLfuPolicy, createLruPolicy };

const FACTORIES: Record<EvictionPolicyName, () => EvictionPolicy> = {
  lru: createLruPolicy,
  lfu: createLfuPolicy,
  adaptive: createAdaptivePolicy,
  hybrid: createHybridPolicy,
};

/** Every policy name, for validation and benchmarks. */
export const EVICTION_POLICY_NAMES = Object.keys(FACTORIES) as EvictionPolicyName[];

export function createEvictionPolicy(name: EvictionPolicyName): EvictionPolicy {
  return FACTORIES[name]();
}
