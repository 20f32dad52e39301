import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GraphError } from '../../src/ir/errors.ts';
import { flatten, mapTree, pathsOf, unflatten, zipTrees, type Tree } from '../../src/tree/tree.ts';

// Parameter trees with number leaves: records (a few fixed keys, so siblings collide and sort),
// arrays, and leaves, nested a few levels.
const isNum = (x: unknown): x is number => typeof x === 'number';
const { tree: treeArb } = fc.letrec<{ tree: Tree<number> }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -99, max: 99 }),
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'w', 'z', 'k1', 'k10'), tie('tree'), { maxKeys: 3, noNullPrototype: true }),
  ),
}));

const isFrozenDeep = (t: unknown): boolean =>
  typeof t !== 'object' || t === null || (Object.isFrozen(t) && Object.values(t).every(isFrozenDeep));

test('unflatten(flatten(t)) is t, frozen, with leaves in path order', () => {
  fc.assert(fc.property(treeArb, (t) => {
    const { leaves, def, paths } = flatten(t, isNum);
    const back = unflatten(def, leaves);
    assert.deepEqual(back, t);
    assert.ok(isFrozenDeep(back));
    assert.equal(paths.length, leaves.length);
    assert.deepEqual(pathsOf(def), paths);
    assert.equal(new Set(paths).size, paths.length, 'paths name leaves uniquely');
  }));
});

test('flatten(unflatten(def, xs)) gives back xs and def for any leaves of the right count', () => {
  fc.assert(fc.property(treeArb, fc.integer(), (t, offset) => {
    const { leaves, def } = flatten(t, isNum);
    const xs = leaves.map((_, i) => i * 7 + offset);
    const again = flatten(unflatten(def, xs), isNum);
    assert.deepEqual(again.leaves, xs);
    assert.deepEqual(again.def, def);
  }));
});

test('unflatten refuses a leaf count that does not fit the structure', () => {
  fc.assert(fc.property(treeArb, fc.integer({ min: 1, max: 3 }), (t, extra) => {
    const { leaves, def } = flatten(t, isNum);
    assert.throws(() => unflatten(def, [...leaves, ...Array(extra).fill(0)]), (e) => e instanceof GraphError && e.kind === 'tree');
  }));
});

test('mapTree: identity, composition, and the paths flatten names', () => {
  const f = (x: number): number => 3 * x + 1;
  const g = (x: number): number => x * x - 2;
  fc.assert(fc.property(treeArb, (t) => {
    assert.deepEqual(mapTree(isNum, (x) => x, t), t);
    assert.deepEqual(mapTree(isNum, (x) => g(f(x)), t), mapTree(isNum, g, mapTree(isNum, f, t)));
    const seen: string[] = [];
    mapTree(isNum, (x, path) => (seen.push(path), x), t);
    assert.deepEqual(seen, flatten(t, isNum).paths);
  }));
});

test('zipTrees: one tree zips to itself; zipping with a mapped copy is mapping', () => {
  const f = (x: number): number => 5 - x;
  fc.assert(fc.property(treeArb, (t) => {
    assert.deepEqual(zipTrees(isNum, ([x]) => x, [t]), t);
    assert.deepEqual(zipTrees(isNum, ([x, y]) => x * 100 + y, [t, mapTree(isNum, f, t)]), mapTree(isNum, (x) => x * 100 + f(x), t));
    const paths: string[] = [];
    zipTrees(isNum, (_xs, path) => paths.push(path), [t, t]);
    assert.deepEqual(paths, flatten(t, isNum).paths);
  }));
});

test('zipTrees refuses trees of different structure', () => {
  fc.assert(fc.property(treeArb, (t) => {
    assert.throws(() => zipTrees(isNum, ([x]) => x, [t, { extra: t }]), (e) => e instanceof GraphError && e.kind === 'tree');
    assert.throws(() => zipTrees(isNum, ([x]) => x, [[t], [t, t]]), (e) => e instanceof GraphError && e.kind === 'tree');
  }));
});

test('flatten names the path of a leaf that is neither a leaf nor a container', () => {
  fc.assert(fc.property(treeArb, fc.constantFrom<unknown>('s', null, undefined, true, new Map()), (t, bad) => {
    const tree = { ok: t, zz: [0, { bad }] } as unknown as Tree<number>;
    assert.throws(() => flatten(tree, isNum), (e) => e instanceof GraphError && e.kind === 'tree' && e.message.includes('zz[1].bad'));
  }));
});
