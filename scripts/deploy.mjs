/**
 * `npm run deploy`: provisions what is missing, applies the D1 migrations and deploys, in the order
 * that keeps the live worker consistent with its database.
 *
 * wrangler (since 4.45) creates the KV namespace, D1 database and R2 bucket named in wrangler.jsonc on
 * the first `wrangler deploy` and writes their ids back into it. So: when the database exists (an id in
 * the config), migrate first, then deploy the code that needs the new schema; on the first deploy there
 * is nothing to migrate yet, so deploy (which creates it), then migrate. Between the two, D1 reads fail
 * and are counted as tier errors; requests are still answered (a failing tier is skipped).
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";

const root = path.dirname(import.meta.dirname);
const wrangler = (...args) =>
  execFileSync(
    process.execPath,
    [path.join(root, "node_modules", "wrangler", "bin", "wrangler.js"), ...args],
    {
      cwd: root,
      stdio: "inherit",
    },
  );

const { rawConfig } = experimental_readRawConfig({ config: path.join(root, "wrangler.jsonc") });
const database = rawConfig.d1_databases?.find((d) => d.binding === "DB");
if (database?.database_id) {
  wrangler("d1", "migrations", "apply", "DB", "--remote");
  wrangler("deploy");
} else {
  console.log(
    "First deploy: wrangler creates the KV namespace, D1 database and R2 bucket, then migrations run.",
  );
  wrangler("deploy");
  wrangler("d1", "migrations", "apply", "DB", "--remote");
}
