/**
 * The client's hand-written admin types (client/src/admin-types.ts) against the server's own: a field
 * or a step added on one side only fails `npm run check` (tsc) here, and the assertions run as tests.
 */
import { describe, expectTypeOf, it } from "vitest";
import type * as Client from "../../client/src/admin-types";
import type { CompressionMode } from "../../src/cache/codec";
import type { CacheConfig } from "../../src/config";
import type { MaintenanceJob } from "../../src/maintenance";
import type { DEFRAGMENT_STEPS, DefragmentCounts } from "../../src/maintenance/defragment";
import type { OptimizeCounts } from "../../src/maintenance/optimize";
import type { RebuildCounts, RebuildStep } from "../../src/maintenance/rebuild";
import type { SemanticPreset } from "../../src/semantic/verifier/verify";
import type { EvictionPolicyName } from "../../src/tiers/eviction/policy";

describe("client admin types match the server's", () => {
  it("maintenance reports: counts, steps and jobs", () => {
    expectTypeOf<Client.DefragmentCounts>().toEqualTypeOf<DefragmentCounts>();
    expectTypeOf<Client.DefragmentStep>().toEqualTypeOf<(typeof DEFRAGMENT_STEPS)[number]>();
    expectTypeOf<Client.OptimizeCounts>().toEqualTypeOf<OptimizeCounts>();
    expectTypeOf<Client.RebuildCounts>().toEqualTypeOf<RebuildCounts>();
    expectTypeOf<NonNullable<Client.RebuildReport["cursor"]>["step"]>().toEqualTypeOf<RebuildStep>();
    expectTypeOf<Client.MaintenanceJob>().toEqualTypeOf<MaintenanceJob>();
  });

  it("config: its fields and the names it accepts", () => {
    expectTypeOf<keyof Client.CacheConfig>().toEqualTypeOf<keyof CacheConfig>();
    expectTypeOf<Client.EvictionPolicy>().toEqualTypeOf<EvictionPolicyName>();
    expectTypeOf<Client.CompressionMode>().toEqualTypeOf<CompressionMode>();
    expectTypeOf<Client.SemanticPreset>().toEqualTypeOf<SemanticPreset>();
    expectTypeOf<Client.WritePolicy>().toEqualTypeOf<CacheConfig["writePolicy"]>();
  });
});
