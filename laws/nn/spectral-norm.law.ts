// Spectral normalisation and the adversarial losses: the graph's power iteration agrees with the
// same iteration in float64 and, given enough steps, with the largest singular value (checked on
// matrices built with a known one); a normalised weight has norm at most 1; the hinge and LeCAM
// losses and the EMA step agree with their definitions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runOnce } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { spectralNorm } from '../../src/nn/spectral-norm.ts';
import { spectralNormHost } from '../helpers/spectral-norm-host.ts';
import { emaStep, hingeDiscriminator, hingeGenerator, lecam } from '../../src/nn/gan-losses.ts';
import { div } from '../../src/ops/index.ts';
import { floatArrayArb } from '../helpers/arbitraries.ts';
import { ready } from '../helpers/backends.ts';

const run = async (f: (...xs: Node[]) => Node, xs: HostArray[]): Promise<number[]> => {
  await ready('cpu');
  return Array.from(((await runOnce(f as never, xs, { backend: 'cpu' })) as HostArray).data as Float32Array);
};

test('the graph\'s power iteration agrees with float64, and the normalised weight has norm at most 1', async () => {
  const dims = fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }));
  await fc.assert(fc.asyncProperty(dims.chain(([r, c]) => floatArrayArb([r, c], -2, 2)), fc.integer({ min: 1, max: 8 }), async (w, it) => {
    const [sigma] = await run((x) => spectralNorm(x, it), [w]);
    const want = spectralNormHost(w, it);
    assert.ok(Math.abs(sigma - want) <= 1e-4 * (1 + want), `graph ${sigma}, float64 ${want}`);
    if (want < 1e-3) return;
    const normed = await run((x) => div(x, spectralNorm(x, it)), [w]);
    // the power iteration underestimates, so the true norm of w / sigma is >= 1; with many steps it is 1
    const exact = spectralNormHost(hostArray(Float32Array.from(normed), w.shape), 200);
    assert.ok(exact >= 1 - 1e-3, `|w / sigma| = ${exact}`);
  }), { numRuns: 25 });
});

test('with enough steps the estimate is the largest singular value (matrices with a known spectrum)', async () => {
  // w = diag(s) padded, rotated by a permutation and signs: singular values are |s|
  await fc.assert(fc.asyncProperty(fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: 2, maxLength: 6 }), fc.nat(1000), async (s, seed) => {
    const n = s.length;
    // a clear gap keeps the iteration fast: the largest is at least 1.5x the next
    const sorted = [...s].sort((a, b) => b - a);
    fc.pre(sorted[0] >= 1.5 * sorted[1]);
    const perm = Array.from({ length: n }, (_, i) => (i * 7 + seed) % n);
    fc.pre(new Set(perm).size === n);
    const w = new Float32Array(n * n);
    perm.forEach((j, i) => { w[i * n + j] = s[i] * (((seed >> i) & 1) ? -1 : 1); });
    const [sigma] = await run((x) => spectralNorm(x, 40), [hostArray(w, [n, n])]);
    assert.ok(Math.abs(sigma - sorted[0]) <= 1e-3 * sorted[0], `estimate ${sigma}, largest singular value ${sorted[0]}`);
  }), { numRuns: 15 });
});

test('hinge, LeCAM and the EMA step agree with their definitions', async () => {
  const relu = (x: number) => Math.max(0, x);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  await fc.assert(fc.asyncProperty(floatArrayArb([2, 5], -3, 3), floatArrayArb([2, 5], -3, 3), fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }),
    async (real, fake, er, ef) => {
      const r = Array.from(real.data as Float32Array);
      const f = Array.from(fake.data as Float32Array);
      const [d] = await run((a, b) => hingeDiscriminator(a, b), [real, fake]);
      assert.ok(Math.abs(d - 0.5 * (mean(r.map((x) => relu(1 - x))) + mean(f.map((x) => relu(1 + x))))) < 1e-5);
      const [g] = await run((b) => hingeGenerator(b), [fake]);
      assert.ok(Math.abs(g + mean(f)) < 1e-5);
      const scalar = (v: number) => hostArray(Float32Array.of(v), []);
      const [l] = await run((a, b, x, y) => lecam(a, b, x, y), [real, fake, scalar(er), scalar(ef)]);
      const want = mean(r.map((x) => relu(x - Math.fround(ef)) ** 2)) + mean(f.map((x) => relu(Math.fround(er) - x) ** 2));
      assert.ok(Math.abs(l - want) <= 1e-4 * (1 + want), `LeCAM ${l}, want ${want}`);
      const [e] = await run((a, b) => emaStep(a, b, 0.9), [scalar(er), scalar(ef)]);
      assert.ok(Math.abs(e - (0.9 * Math.fround(er) + 0.1 * Math.fround(ef))) < 1e-5);
    }), { numRuns: 10 });
});
