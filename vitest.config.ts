import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { embedderWorkerOptions } from "./embedder/build.mjs";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The offline encoder runs as its own worker, bound as EMBEDDER like in `npm run dev`; it is bundled
  // here (cached in .wrangler/embedder-dist) because auxiliary workers must be plain JavaScript.
  const embedder = embedderWorkerOptions();
  return {
    plugins: [
      cloudflareTest({
        main: "./src/index.ts",
        // Vectorize and Workers AI cannot run locally; everything else is real workerd storage.
        remoteBindings: false,
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            LOCAL_DEV: "1",
            R1_UPSTREAM: "simulator",
            R1_SIMULATOR_LATENCY_MS: "0",
            UPSTREAM_RETRIES: "2",
          },
          serviceBindings: { EMBEDDER: embedder.name },
          workers: [embedder],
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      testTimeout: 20_000,
    },
  };
});
