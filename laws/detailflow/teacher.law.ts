import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import { hostArray, isHostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { encodeSafetensors } from '../../src/io/safetensors.ts';
import type { Params } from '../../src/nn/module.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { valueAndGrad } from '../../src/transforms/grad.ts';
import { flatten, mapTree, unflatten } from '../../src/tree/tree.ts';
import {
  CnnTeacherConfigCodec, alignmentTarget, cnnTeacher, cnnTeacherDefaults, decodeCnnTeacherConfig, decodePrecomputedTeacher,
  encodePrecomputedFeatures, frozenFeatures, perceptualDistances, teacherArg, type CnnTeacherConfig, type CnnTeacherParams,
} from '../../src/detailflow/teacher/index.ts';
import { adjointCheck } from '../helpers/adjoint.ts';
import { floatsArb } from '../helpers/arbitraries.ts';
import { assertClose } from '../helpers/close.ts';

// ---- configuration -------------------------------------------------------------------------

const cfgArb: fc.Arbitrary<CnnTeacherConfig> = fc.record({
  size: fc.integer({ min: 1, max: 16 }).map((k) => 8 * k), channels: fc.integer({ min: 1, max: 4 }),
  width: fc.integer({ min: 1, max: 64 }), classes: fc.integer({ min: 2, max: 1000 }),
  lr: fc.double({ min: 1e-6, max: 10, noNaN: true }), batchSize: fc.integer({ min: 1, max: 1024 }), steps: fc.integer({ min: 1, max: 1e6 }),
});

test('every generated teacher config decodes to itself and encodes back; omitted fields take the defaults', () => {
  fc.assert(fc.property(cfgArb, fc.subarray(Object.keys(cnnTeacherDefaults)), (c, drop) => {
    const plain = { ...c };
    const r = decodeCnnTeacherConfig(plain);
    assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
    assert.deepEqual(r.right, plain);
    assert.deepEqual(CnnTeacherConfigCodec.encode(r.right), plain);
    const partial: Record<string, unknown> = { ...c };
    for (const k of drop) delete partial[k];
    const d = decodeCnnTeacherConfig(partial);
    assert.ok(E.isRight(d));
    for (const k of drop) assert.equal(d.right[k as keyof CnnTeacherConfig], cnnTeacherDefaults[k as keyof CnnTeacherConfig], k);
  }), { numRuns: 100 });
});

test('a bad teacher config lists every problem: size not a multiple of 8, a zero lr, an unknown key', () => {
  const r = decodeCnnTeacherConfig({ size: 28, lr: 0, widht: 8 });
  assert.ok(E.isLeft(r));
  const text = r.left.problems.join('\n');
  assert.match(text, /size: size \(28\) must be a multiple of 8/);
  assert.match(text, /^lr: expected a number in \(0, 10\], got 0$/m);
  assert.match(text, /^widht: unknown field/m);
  assert.equal(r.left.problems.length, 3, text);
});

// ---- perceptual distance -------------------------------------------------------------------

const run = async (fn: (xs: Node[]) => Node, inputs: HostArray[]): Promise<HostArray> => {
  const c = compile(fn, { backend: 'cpu' });
  const out = await c.run(inputs);
  const host = (await toHost(out)) as HostArray;
  release(out);
  c.dispose();
  return host;
};

/** 1-3 maps [B, h, w, c] (B shared), each as two arrays a and b; values from pools, cut with .map. */
const mapsArb = fc.record({
  b: fc.integer({ min: 1, max: 3 }),
  shapes: fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 })), { minLength: 1, maxLength: 3 }),
  pools: fc.array(fc.tuple(floatsArb(288), floatsArb(288)), { minLength: 3, maxLength: 3 }),
  scale: fc.double({ min: 0.5, max: 4, noNaN: true }),
}).map(({ b, shapes, pools, scale }) => ({
  scale,
  a: shapes.map(([h, w, c], i) => hostArray(pools[i]![0].slice(0, b * h * w * c), [b, h, w, c])),
  b: shapes.map(([h, w, c], i) => hostArray(pools[i]![1].slice(0, b * h * w * c), [b, h, w, c])),
}));

test('perceptualDistances: zero on identical maps, symmetric, within [0, 4], and blind to a positive scale', async () => {
  await fc.assert(fc.asyncProperty(mapsArb, async ({ a, b, scale }) => {
    const n = a.length;
    // for the scale law, channel vectors well away from zero (the eps under the root is then negligible)
    const away = a.map((m) => hostArray(m.data.map((v) => (v < 0 ? -1 : 1) * (0.3 + Math.abs(v))), m.shape));
    const both = [...a, ...b, ...away];
    const [ab, ba, aa, plain, scaled] = await Promise.all([
      run((xs) => perceptualDistances(xs.slice(0, n), xs.slice(n, 2 * n)), both),
      run((xs) => perceptualDistances(xs.slice(n, 2 * n), xs.slice(0, n)), both),
      run((xs) => perceptualDistances(xs.slice(0, n), xs.slice(0, n)), both),
      run((xs) => perceptualDistances(xs.slice(2 * n), xs.slice(n, 2 * n)), both),
      run((xs) => perceptualDistances(xs.slice(2 * n).map((x) => o.mul(x, scale)), xs.slice(n, 2 * n)), both),
    ]);
    for (const v of aa.data) assert.equal(v, 0);
    assertClose(ab, ba, 1e-6, 1e-5, 'symmetry');
    for (const v of ab.data) assert.ok(v >= 0 && v <= 4 + 1e-5, `distance ${v} outside [0, 4]`);
    assertClose(scaled, plain, 1e-4, 1e-4, 'scale invariance');
  }), { numRuns: 40 });
  assert.throws(() => perceptualDistances([], []), /needs a network teacher/);
});

// ---- precomputed features ------------------------------------------------------------------

const featuresArb = fc.record({
  count: fc.integer({ min: 1, max: 12 }), dim: fc.integer({ min: 1, max: 8 }), pool: floatsArb(96),
  perm: fc.boolean(), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
}).map((c) => ({
  ...c, features: hostArray(c.pool.slice(0, c.count * c.dim), [c.count, c.dim]),
  indices: Int32Array.from({ length: c.count }, (_, r) => (c.perm ? c.count - 1 - r : r)),
  batch: c.picks.map((p) => p % c.count),
}));

test('a precomputed teacher returns, for each dataset index, its row (row order given by indices when present)', () => {
  fc.assert(fc.property(featuresArb, ({ count, dim, features, indices, perm, batch }) => {
    const bytes = perm ? encodeSafetensors({ features, indices: hostArray(indices, [count]) }, { dataset: 'toy' })
      : E.getOrElseW((e: Error) => { throw e; })(encodePrecomputedFeatures(features, { dataset: 'toy' }));
    const t = decodePrecomputedTeacher(bytes, { count, dataset: 'toy', featureDim: dim });
    assert.ok(E.isRight(t), E.isLeft(t) ? t.left.message : '');
    assert.equal(t.right.featureDim, dim);
    assert.equal(t.right.metadata.dataset, 'toy');
    const got = t.right.pooledAt(batch);
    assert.ok(E.isRight(got));
    assert.deepEqual(got.right.shape, [batch.length, dim]);
    batch.forEach((i, k) => {
      const row = perm ? count - 1 - i : i;
      assert.deepEqual([...got.right.data.subarray(k * dim, (k + 1) * dim)], [...features.data.subarray(row * dim, (row + 1) * dim)]);
    });
    assert.ok(E.isLeft(t.right.pooledAt([count])), 'an index past the dataset is refused');
  }), { numRuns: 60 });
});

test('a precomputed-features file that does not fit the dataset is refused with every problem named', () => {
  const f = (rows: number, dim = 3) => hostArray(new Float32Array(rows * dim).fill(0.5), [rows, dim]);
  const problems = (bytes: Uint8Array, opts: Parameters<typeof decodePrecomputedTeacher>[1]) => {
    const r = decodePrecomputedTeacher(bytes, opts);
    assert.ok(E.isLeft(r), 'accepted');
    return r.left.problems.join('\n');
  };
  assert.match(problems(encodeSafetensors({ features: f(4) }), { count: 5 }), /features has 4 rows but the dataset has 5 images/);
  assert.match(problems(encodeSafetensors({ feats: f(4) }), { count: 4 }), /missing tensor 'features'.*'feats'/);
  assert.match(problems(encodeSafetensors({ features: hostArray(new Int32Array(4), [4]) }), { count: 4 }), /must be float32 \[count, F\]/);
  assert.match(problems(encodeSafetensors({ features: f(4) }, { dataset: 'mnist' }), { count: 4, dataset: 'fashion' }), /for dataset 'mnist', not 'fashion'/);
  assert.match(problems(encodeSafetensors({ features: f(4) }), { count: 4, featureDim: 8 }), /F = 3, expected 8/);
  const nan = f(4);
  (nan.data as Float32Array)[7] = NaN;
  assert.match(problems(encodeSafetensors({ features: nan }), { count: 4 }), /features\[2, 1\] is NaN/);
  const dup = encodeSafetensors({ features: f(3), indices: hostArray(Int32Array.of(0, 2, 2), [3]) });
  const text = problems(dup, { count: 3 });
  assert.match(text, /dataset image 2 has two rows \(1 and 2\)/);
  assert.match(problems(new Uint8Array(3), { count: 1 }), /too short/);
});

// ---- the CNN teacher -----------------------------------------------------------------------

const tiny: CnnTeacherConfig = { ...cnnTeacherDefaults, size: 8, channels: 2, width: 2, classes: 3 };

test('the CNN teacher: shapes of pooled features, maps and logits; init is a pure function of the key', async () => {
  const net = cnnTeacher(tiny);
  const p = net.init(keyFromSeed(3));
  assert.deepEqual(p, net.init(keyFromSeed(3)));
  assert.deepEqual(p.conv3.w.shape, [3, 3, 2, 4]);
  const images = hostArray(Float32Array.from({ length: 2 * 2 * 8 * 8 }, (_, i) => Math.sin(i)), [2, 2, 8, 8]);
  const c = compile((q: Params<CnnTeacherParams>, x: Node) => ({ ...net.forward(q, x), same: net.features(q, x).pooled }), { backend: 'cpu', checkShapes: true });
  const out = await c.run(p, images);
  assert.deepEqual(out.pooled.shape, [2, net.featureDim]);
  assert.deepEqual(out.maps.map((m) => m.shape), [[2, 8, 8, 2], [2, 4, 4, 4], [2, 2, 2, 8]]);
  assert.deepEqual(out.logits.shape, [2, 3]);
  assert.deepEqual((await out.same.host()).data, (await out.pooled.host()).data);
  release(out);
  c.dispose();
  assert.throws(() => net.features(p as never, o.zeros([1, 3, 8, 8])), /images must be float32 \[B, 2, 8, 8\]/);
});

test('frozen teacher parameters get no gradient; the images still do (and match finite differences)', async () => {
  const net = cnnTeacher(tiny);
  const p = net.init(keyFromSeed(4));
  const images = hostArray(Float32Array.from({ length: 2 * 2 * 8 * 8 }, (_, i) => Math.cos(i * 0.7)), [2, 2, 8, 8]);
  const c = compile((q: Params<CnnTeacherParams>, x: Node) => {
    const loss = (pp: { q: Params<CnnTeacherParams>; x: Node }) => o.sum(o.square(frozenFeatures(net, pp.q, pp.x).pooled));
    return valueAndGrad(loss)({ q, x })[1];
  }, { backend: 'cpu' });
  const g = await c.run(p, images);
  const host = await toHost(g) as unknown as { q: Record<string, { w: HostArray }>; x: HostArray };
  for (const [name, leaf] of Object.entries(host.q)) assert.ok([...leaf.w.data].every((v) => v === 0), `${name} got a gradient`);
  assert.ok([...host.x.data].some((v) => v !== 0), 'no gradient reached the images');
  release(g);
  c.dispose();
  const { leaves, def } = flatten(p as never, isHostArray);
  const r = await adjointCheck(([x, ...ws]) => net.features(unflatten(def, ws) as never, x!).maps[1]!, [images, ...leaves], [0], 7);
  assert.ok(Math.abs(r.jtv - r.fd) <= 2e-2 * (1 + Math.abs(r.jtv) + Math.abs(r.fd)), `<u, J^T v> = ${r.jtv} vs ${r.fd}`);
});

test('alignmentTarget passes precomputed features through (shape-checked) and teacherArg picks the argument', () => {
  const bytes = E.getOrElseW((e: Error) => { throw e; })(encodePrecomputedFeatures(hostArray(new Float32Array(12), [4, 3])));
  const t = decodePrecomputedTeacher(bytes, { count: 4 });
  assert.ok(E.isRight(t));
  const pre = t.right;
  const target = alignmentTarget(pre, o.zeros([2, 3]), o.zeros([2, 1, 8, 8]));
  assert.deepEqual(target.pooled.shape, [2, 3]);
  assert.deepEqual(target.maps, []);
  assert.throws(() => alignmentTarget(pre, o.zeros([2, 4]), o.zeros([2, 1, 8, 8])), /must be \[2, 3\]/);
  const arg = teacherArg(pre, 'unused', [3, 0]);
  assert.ok(E.isRight(arg));
  assert.deepEqual((arg.right as HostArray).shape, [2, 3]);
  const net = cnnTeacher(tiny);
  assert.deepEqual(teacherArg(net, 'params', [0]), E.right('params'));
  const asNodes = mapTree(isHostArray, (h: HostArray) => o.constant(h.data, h.shape), net.init(keyFromSeed(0)) as never);
  assert.equal(alignmentTarget(net, asNodes, o.zeros([1, 2, 8, 8])).maps.length, 3);
});
