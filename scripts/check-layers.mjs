#!/usr/bin/env node
// Checks the layering of src/ (cli -> node -> pipeline -> report -> analysis -> parsers -> core, each
// arrow one way) and that no import cycle exists, type-only imports included. Exit 1 on a violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src');
const LAYERS = ['core', 'parsers', 'analysis', 'report', 'pipeline', 'node', 'cli'];
const layerOf = (file) => {
  const top = path.relative(ROOT, file).split(path.sep)[0];
  return top === 'index.ts' ? 'pipeline' : top;
};

function files(dir) {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;
const graph = new Map();
for (const f of files(ROOT)) {
  const deps = [];
  for (const m of readFileSync(f, 'utf8').matchAll(IMPORT)) deps.push(path.resolve(path.dirname(f), m[1].replace(/\.js$/, '.ts')));
  graph.set(f, deps);
}

const problems = [];
for (const [f, deps] of graph) {
  for (const d of deps) {
    const from = LAYERS.indexOf(layerOf(f));
    const to = LAYERS.indexOf(layerOf(d));
    // src/index.ts is the core's public face: it may re-export every pure layer, never node or cli.
    const limit = path.relative(ROOT, f) === 'index.ts' ? LAYERS.indexOf('pipeline') : from;
    if (to > limit) problems.push(`layer: ${path.relative(ROOT, f)} (${layerOf(f)}) imports ${path.relative(ROOT, d)} (${layerOf(d)})`);
  }
}

const state = new Map();
const stack = [];
function visit(f) {
  state.set(f, 1);
  stack.push(f);
  for (const d of graph.get(f) ?? []) {
    if (!graph.has(d)) continue;
    if (state.get(d) === 1) problems.push(`cycle: ${[...stack.slice(stack.indexOf(d)), d].map((x) => path.relative(ROOT, x)).join(' -> ')}`);
    else if (!state.has(d)) visit(d);
  }
  stack.pop();
  state.set(f, 2);
}
for (const f of graph.keys()) if (!state.has(f)) visit(f);

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`layers: ${graph.size} modules, one way, no cycles`);
