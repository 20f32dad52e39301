import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import type { Tree } from '../../src/tree/tree.ts';
import { adamw, type AdamState } from '../../src/train/adam.ts';
import { closeness } from '../helpers/close.ts';
import { refAdamwStep, type RefAdamConfig } from './reference.ts';
import { carve, hostLeaves, leafShapesArb, nest, poolArb } from './trees.ts';

const BACKEND = 'cpu';

const hyperArb = fc.record({
  lr: fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
  b1: fc.double({ min: 0.5, max: 0.99, noNaN: true }),
  b2: fc.double({ min: 0.9, max: 0.9999, noNaN: true }),
  eps: fc.constantFrom(1e-8, 1e-6, 1e-3),
  weightDecay: fc.constantFrom(0, 0.01, 0.1),
}).map((h): RefAdamConfig => ({ lr: Math.fround(h.lr), b1: Math.fround(h.b1), b2: Math.fround(h.b2), eps: Math.fround(h.eps), weightDecay: Math.fround(h.weightDecay) }));

/** Shapes first, then data pools carved with .map: params, grads, moments (nu >= 0), a step count, hyperparameters, mask bits. */
const caseArb = fc.record({
  shapes: leafShapesArb(), p: poolArb(), g: poolArb(), m: poolArb(-0.5, 0.5), v: poolArb(0, 1),
  step: fc.integer({ min: 0, max: 500 }), hyper: hyperArb, maskBits: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
}).map((c) => ({
  params: carve(c.shapes, c.p), grads: carve(c.shapes, c.g), mu: carve(c.shapes, c.m), nu: carve(c.shapes, c.v),
  step: c.step, hyper: c.hyper, maskBits: c.maskBits,
}));

interface UpdateCase {
  params: HostArray[]; grads: HostArray[]; mu: HostArray[]; nu: HostArray[]; step: number; hyper: RefAdamConfig; mask: (path: string) => boolean;
}

const runUpdate = async (c: UpdateCase) => {
  const opt = adamw({ ...c.hyper, decayMask: (path) => c.mask(path) });
  const fn = compile((p: Tree<Node>, g: Tree<Node>, s: AdamState) => opt.update(g, s, p), { backend: BACKEND });
  const state = { step: hostArray(Float32Array.of(c.step), []), mu: nest(c.mu), nu: nest(c.nu) };
  const out = await fn.run(nest(c.params), nest(c.grads), state);
  const host = await toHost(out) as unknown as { params: Tree<HostArray>; state: { step: HostArray; mu: Tree<HostArray>; nu: Tree<HostArray> } };
  release(out);
  fn.dispose();
  return host;
};

test('adamw: one compiled step equals the float64 reference (random trees, hyperparameters, masks)', async () => {
  await fc.assert(fc.asyncProperty(caseArb, async (c) => {
    const pathsMasked = new Set(hostLeaves(nest(c.params)).paths.filter((_, i) => c.maskBits[i]));
    const got = await runUpdate({ ...c, mask: (path) => pathsMasked.has(path) });
    const p = hostLeaves(nest(c.params));
    const ref = refAdamwStep(p.leaves.map((l) => l.data), hostLeaves(nest(c.grads)).leaves.map((l) => l.data),
      { step: c.step, mu: hostLeaves(nest(c.mu)).leaves.map((l) => Float64Array.from(l.data)), nu: hostLeaves(nest(c.nu)).leaves.map((l) => Float64Array.from(l.data)) },
      c.hyper, p.paths.map((path) => pathsMasked.has(path)));
    assert.equal(got.state.step.data[0], c.step + 1);
    const check = (name: string, tree: Tree<HostArray>, want: Float64Array[], atol: number) => {
      hostLeaves(tree).leaves.forEach((l, i) => {
        const r = closeness(l.data, want[i], atol, 1e-5);
        assert.ok(r <= 1, `${name} leaf ${i}: ${Array.from(l.data)} vs ${Array.from(want[i])} (ratio ${r})`);
      });
    };
    check('params', got.params, ref.params, 1e-6 + c.hyper.lr * 1e-4);
    check('mu', got.state.mu, ref.state.mu as Float64Array[], 1e-7);
    check('nu', got.state.nu, ref.state.nu as Float64Array[], 1e-7);
  }), { numRuns: 40 });
});

test('adamw: the decay mask is respected (zero gradients: masked leaves shrink by lr*wd, the rest stay bit-identical)', async () => {
  await fc.assert(fc.asyncProperty(
    fc.tuple(leafShapesArb(), poolArb(), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 })).map(([s, pool, bits]) => [carve(s, pool), bits] as const),
    fc.double({ min: 1e-3, max: 0.5, noNaN: true }), fc.double({ min: 0.01, max: 1, noNaN: true }),
    async ([params, bits], lr, wd) => {
      const p = hostLeaves(nest(params));
      const masked = new Set(p.paths.filter((_, i) => bits[i]));
      const zeros = params.map((l) => hostArray(new Float32Array(l.data.length), l.shape));
      const got = await runUpdate({ params, grads: zeros, mu: zeros, nu: zeros, step: 0, hyper: { lr, b1: 0.9, b2: 0.999, eps: 1e-8, weightDecay: wd }, mask: (path) => masked.has(path) });
      hostLeaves(got.params).leaves.forEach((l, i) => {
        const before = p.leaves[i].data;
        if (masked.has(p.paths[i])) {
          const want = Float64Array.from(before, (v) => v * (1 - Math.fround(lr) * Math.fround(wd)));
          assert.ok(closeness(l.data, want, 1e-6, 1e-5) <= 1, `${p.paths[i]} should decay`);
        } else {
          assert.deepEqual(Array.from(l.data), Array.from(before), `${p.paths[i]} must not decay`);
        }
      });
    }), { numRuns: 25 });
});

test('adamw: the default mask decays rank >= 2 leaves only', async () => {
  const params = [hostArray(Float32Array.of(1, 2, 3, 4), [2, 2]), hostArray(Float32Array.of(1, 2), [2])];
  const zeros = params.map((l) => hostArray(new Float32Array(l.data.length), l.shape));
  const opt = adamw({ lr: 0.1, weightDecay: 0.5 });
  const fn = compile((p: Tree<Node>, g: Tree<Node>, s: AdamState) => opt.update(g, s, p), { backend: BACKEND });
  const out = await fn.run({ w: params[0], b: params[1] }, { w: zeros[0], b: zeros[1] }, opt.initHost({ w: params[0], b: params[1] }));
  const host = await toHost(out) as unknown as { params: { w: HostArray; b: HostArray } };
  release(out);
  assert.ok(closeness(host.params.w.data, [0.95, 1.9, 2.85, 3.8], 1e-6, 1e-6) <= 1);
  assert.deepEqual(Array.from(host.params.b.data), [1, 2]);
});
