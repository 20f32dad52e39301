// `node --import tsx scripts/import-graph.ts`: the import graph of src/. Prints every import
// cycle between files and every arrow from a lower layer up to a higher one, and fails if there
// is any besides the cycle we accept: the primitives' VJP rules build their cotangents with ops/,
// which bind primitives (the usual pattern, as in JAX; it stays inside primitives/ and ops/).
// Type-only imports count: a type arrow is a layering arrow too. test/layering.test.ts runs the
// same checks.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { findFiles, root } from './find-files.mjs';

/** src/ folders from the bottom up: a folder may import its own layer and those below it. */
export const layers: readonly (readonly string[])[] = [
  ['ir', 'tree', 'random', 'config'],
  ['primitives', 'ops'],
  ['transforms'],
  ['compile', 'nn', 'io'],
  ['train', 'data'],
  ['eval'],
  ['detailflow'],
  ['bench', 'diagnostics', 'experiments'],
  ['platform', 'cli'],
  ['index.ts'],
];

/** Folders whose files may form one import cycle among themselves (VJP rules use ops). */
export const cycleAllowedWithin: readonly string[] = ['primitives', 'ops'];

/**
 * Upward arrows known and scheduled to go (folder -> folder): reported, but not failing. Empty:
 * the comparisons and reports that joined detailflow/ and eval/ live in experiments/.
 */
export const pendingArrows: readonly { from: string; to: string }[] = [];

const isPending = (a: { from: string; to: string }): boolean =>
  pendingArrows.some((p) => p.from === folderOf(a.from) && p.to === folderOf(a.to));

export type Graph = ReadonlyMap<string, readonly string[]>;

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"](\.[^'"]+)['"]/g;

/** Every src/ file and the src/ files it imports (relative specifiers only). */
export const importGraph = (): Graph => {
  const files = findFiles('src', '.ts');
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    const deps = new Set<string>();
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const target = normalize(join(dirname(f), spec)).split('\\').join('/');
      if (known.has(target)) deps.add(target);
    }
    graph.set(f, [...deps].sort());
  }
  return graph;
};

/** The folder under src/ a file belongs to (`index.ts` for the barrel). */
export const folderOf = (file: string): string => file.split('/')[1];

/** Strongly connected components with more than one file (Tarjan), each sorted. */
export const cycles = (graph: Graph): string[][] => {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
};

export const cycleAllowed = (scc: readonly string[]): boolean => scc.every((f) => cycleAllowedWithin.includes(folderOf(f)));

const layerOf = (folder: string): number => layers.findIndex((l) => l.includes(folder));

/** Imports that point from a folder to a folder in a higher layer, or to a folder no layer lists. */
export const upwardArrows = (graph: Graph, { withPending = false } = {}): { from: string; to: string }[] => {
  const out: { from: string; to: string }[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      const a = layerOf(folderOf(from));
      const b = layerOf(folderOf(to));
      if ((a < 0 || b < 0 || b > a) && (withPending || !isPending({ from, to }))) out.push({ from, to });
    }
  }
  return out;
};

if (process.argv[1] && /import-graph\.ts$/.test(process.argv[1])) {
  const graph = importGraph();
  const sccs = cycles(graph);
  const bad = sccs.filter((s) => !cycleAllowed(s));
  for (const s of sccs) console.log(`${cycleAllowed(s) ? 'accepted cycle' : 'CYCLE'} (${s.length} files): ${s.join(' ')}`);
  const up = upwardArrows(graph);
  for (const a of upwardArrows(graph, { withPending: true })) {
    console.log(`${isPending(a) ? 'pending upward' : 'UPWARD'} ${folderOf(a.from)} -> ${folderOf(a.to)}: ${a.from} imports ${a.to}`);
  }
  const folders = [...new Set([...graph.keys()].map(folderOf))].filter((f) => layerOf(f) < 0);
  if (folders.length) console.log(`folders in no layer (add them to scripts/import-graph.ts): ${folders.join(', ')}`);
  console.log(`import-graph: ${graph.size} files, ${bad.length} cycle(s) outside ${cycleAllowedWithin.join('/')}, ${up.length} upward arrow(s) besides the pending ones`);
  if (bad.length || up.length) process.exitCode = 1;
}
