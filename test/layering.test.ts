import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleAllowed, cycles, folderOf, importGraph, layers, upwardArrows, type Graph } from '../scripts/import-graph.ts';

// The layering of src/ (scripts/import-graph.ts, `npm run imports`): no import cycle except the
// primitives' VJP rules using ops/, and no arrow from a lower layer up to a higher one.
const graph = importGraph();

test('the checker finds cycles and upward arrows in a made-up graph', () => {
  const g: Graph = new Map([
    ['src/ir/a.ts', ['src/ir/b.ts']],
    ['src/ir/b.ts', ['src/ir/a.ts', 'src/nn/c.ts']],
    ['src/nn/c.ts', ['src/ir/a.ts']],
    ['src/ops/d.ts', ['src/primitives/e.ts']],
    ['src/primitives/e.ts', ['src/ops/d.ts']],
  ]);
  const found = cycles(g);
  assert.deepEqual(found, [['src/ir/a.ts', 'src/ir/b.ts', 'src/nn/c.ts'], ['src/ops/d.ts', 'src/primitives/e.ts']].sort((a, b) => a[0].localeCompare(b[0])));
  assert.deepEqual(found.map(cycleAllowed), [false, true]);
  assert.deepEqual(upwardArrows(g), [{ from: 'src/ir/b.ts', to: 'src/nn/c.ts' }]);
});

test('the graph sees the imports (ops bind primitives; the barrel reaches every folder in a layer)', () => {
  assert.ok(graph.get('src/ops/elementwise.ts')?.includes('src/primitives/bind.ts'));
  const reached = new Set((graph.get('src/index.ts') ?? []).map(folderOf));
  for (const f of ['ir', 'primitives', 'ops', 'transforms', 'compile', 'nn', 'train', 'detailflow']) assert.ok(reached.has(f), f);
});

test('every src/ folder has a layer', () => {
  const unplaced = [...new Set([...graph.keys()].map(folderOf))].filter((f) => !layers.some((l) => l.includes(f)));
  assert.deepEqual(unplaced, [], 'add these folders to `layers` in scripts/import-graph.ts');
});

test('src/ has no import cycle outside primitives/ and ops/', () => {
  assert.deepEqual(cycles(graph).filter((c) => !cycleAllowed(c)), []);
});

test('ir/ is a leaf: its files import only ir/', () => {
  const out = [...graph].filter(([f]) => folderOf(f) === 'ir').flatMap(([f, deps]) => deps.filter((d) => folderOf(d) !== 'ir').map((d) => `${f} -> ${d}`));
  assert.deepEqual(out, []);
});

test('no import points up a layer (besides the pending ones listed in the script)', () => {
  assert.deepEqual(upwardArrows(graph).map(({ from, to }) => `${from} -> ${to}`), []);
});

test('the public index exports no tfjs-typed module (the registry and PrimitiveDef stay internal)', () => {
  // primitive.ts types lowerings with tf.Tensor; registry.ts and kernels/ carry those types
  const tfTyped = (f: string): boolean => ['src/primitives/primitive.ts', 'src/primitives/registry.ts'].includes(f) || f.startsWith('src/primitives/kernels/');
  assert.deepEqual((graph.get('src/index.ts') ?? []).filter(tfTyped), []);
});
