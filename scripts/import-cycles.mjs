/**
 * `npm run check` step: fails when modules of src/ import each other in a cycle (type-only imports
 * included: a cycle of types is still two modules that cannot be understood apart). Prints each cycle.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.join(path.dirname(import.meta.dirname), "src");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["'](\.[^"']+)["']/g;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [full] : [];
  });
}

function resolve(from, specifier) {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Try the next form.
    }
  }
  return undefined;
}

const graph = new Map();
for (const file of files(root)) {
  const deps = new Set();
  for (const [, specifier] of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const target = resolve(file, specifier);
    if (target) deps.add(target);
  }
  graph.set(file, deps);
}

// Tarjan's strongly connected components: every component larger than one module is a cycle.
let index = 0;
const stack = [];
const state = new Map();
const cycles = [];
function visit(node) {
  const s = { index, low: index, onStack: true };
  index++;
  state.set(node, s);
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    const t = state.get(next);
    if (!t) {
      visit(next);
      s.low = Math.min(s.low, state.get(next).low);
    } else if (t.onStack) s.low = Math.min(s.low, t.index);
  }
  if (s.low === s.index) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      state.get(member).onStack = false;
      component.push(path.relative(root, member));
    } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  }
}
for (const node of graph.keys()) if (!state.has(node)) visit(node);

if (cycles.length > 0) {
  console.error(`import cycles in src/ (${cycles.length}):`);
  for (const cycle of cycles) console.error(`  ${cycle.join(" <-> ")}`);
  process.exit(1);
}
console.log(`no import cycles among ${graph.size} modules of src/`);
