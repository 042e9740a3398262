/**
 * @module `npm run eval:rules`: the verifier's rules alone (`ruleVerdict(b, a)`, no embeddings, no
 * worker) over QQP row ranges, for developing the rules on rows other than the held-out ones. Every QQP
 * prompt is a question and questions are judged by the rules alone, so on QQP this reproduces what the
 * worker serves (`npm run eval -- --sets qqp`) within a pair or two, in seconds instead of an hour.
 *
 *   npm run eval:rules -- qqp-train.jsonl:0-19999 qqp-dev.jsonl:0-11999
 */
import { ruleVerdict } from "../../src/semantic/verifier/rules/rules";
import { loadQqpRows } from "./data";

const DEFAULT_SETS = ["qqp-train.jsonl:0-19999", "qqp-dev.jsonl:0-11999"];

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}% (${n} / ${d})`;

for (const set of process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_SETS) {
  const [file = "", range = ""] = set.split(":");
  const [from = 0, to = 0] = range.split("-").map(Number);
  const rows = loadQqpRows(file, { from, to, every: 1 });
  let falseAccepts = 0;
  let hits = 0;
  let duplicates = 0;
  for (const row of rows) {
    const accepted = ruleVerdict(row.b, row.a).verdict === "accept";
    if (row.duplicate) {
      duplicates++;
      if (accepted) hits++;
    } else if (accepted) falseAccepts++;
  }
  console.log(
    `${file} rows ${from}-${to}: FHR ${pct(falseAccepts, rows.length - duplicates)}, recall ${pct(hits, duplicates)}`,
  );
}
