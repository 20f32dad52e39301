// DiffAugment's ops, each checked against what it must do to an image, for random images and keys:
// translation moves every image by one integer shift within the bound (zero fill), cutout zeroes
// one square of the policy's side (clipped at the border) and leaves the rest, color is an affine
// map per image, a policy with everything off is the identity, and the whole augmentation is
// differentiable (adjoint against finite differences).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runOnce } from '../../src/compile/compile.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { augmentPolicies, diffAugment, type AugmentPolicy } from '../../src/nn/diff-augment.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { floatArrayArb } from '../helpers/arbitraries.ts';
import { vjp } from '../../src/transforms/grad.ts';
import { add, div, mul, sub, sum } from '../../src/ops/index.ts';
import { ready } from '../helpers/backends.ts';

const B = 3;
const S = 8;
const off: AugmentPolicy = { color: false, translation: 0, cutout: 0, prob: 1 };

const augment = async (x: HostArray, seed: number, policy: AugmentPolicy): Promise<HostArray> => {
  await ready('cpu');
  return await runOnce((v: Node, k: Node) => diffAugment(v, k, policy), [x, keyFromSeed(seed)], { backend: 'cpu' }) as HostArray;
};

const pixel = (x: HostArray, b: number, i: number, j: number): number => (i < 0 || j < 0 || i >= S || j >= S ? 0 : x.data[(b * S + i) * S + j] as number);

// images with no zero pixel, so a zeroed pixel can only come from the augmentation
const images = floatArrayArb([B, 1, S, S], 0.1, 1);

test('a policy with every op off is the identity', async () => {
  await fc.assert(fc.asyncProperty(images, fc.nat(1000), async (x, seed) => {
    assert.deepEqual(Array.from((await augment(x, seed, off)).data), Array.from(x.data));
  }), { numRuns: 5 });
});

test('translation moves each image by one integer shift of at most ratio x side, filling with zeros', async () => {
  const ratio = 0.25;
  const bound = Math.floor(S * ratio + 0.5);
  await fc.assert(fc.asyncProperty(images, fc.nat(1000), async (x, seed) => {
    const y = await augment(x, seed, { ...off, translation: ratio });
    assert.ok(Array.from(y.data).some((v, k) => v !== x.data[k]), 'no image moved');
    for (let b = 0; b < B; b++) {
      let found = false;
      for (let ty = -bound; ty <= bound && !found; ty++) {
        for (let tx = -bound; tx <= bound && !found; tx++) {
          let same = true;
          for (let i = 0; i < S && same; i++) for (let j = 0; j < S && same; j++) same = Math.abs(pixel(y, b, i, j) - pixel(x, b, i + ty, j + tx)) < 1e-6;
          found = same;
        }
      }
      assert.ok(found, `image ${b} is no shift of its input within ±${bound}`);
    }
  }), { numRuns: 8 });
});

test('cutout zeroes one square of the policy\'s side (clipped at the border) and keeps every other pixel', async () => {
  const ratio = 0.5;
  const side = Math.floor(S * ratio + 0.5);
  await fc.assert(fc.asyncProperty(images, fc.nat(1000), async (x, seed) => {
    const y = await augment(x, seed, { ...off, cutout: ratio });
    for (let b = 0; b < B; b++) {
      const zero: [number, number][] = [];
      for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) {
        if (pixel(y, b, i, j) === 0) zero.push([i, j]);
        else assert.ok(Math.abs(pixel(y, b, i, j) - pixel(x, b, i, j)) < 1e-6, 'a pixel outside the cut changed');
      }
      assert.ok(zero.length > 0, `image ${b}: nothing was cut`);
      const [rows, cols] = [new Set(zero.map(([i]) => i)), new Set(zero.map(([, j]) => j))];
      assert.equal(zero.length, rows.size * cols.size, 'the cut is a rectangle');
      assert.ok(rows.size <= side && cols.size <= side, `the cut is ${rows.size}x${cols.size}, more than ${side}`);
      const [r0, c0] = [Math.min(...rows), Math.min(...cols)];
      assert.ok(rows.size === side || r0 === 0 || r0 + rows.size === S, 'a short side only at the border');
      assert.ok(cols.size === side || c0 === 0 || c0 + cols.size === S, 'a short side only at the border');
    }
  }), { numRuns: 8 });
});

test('color is an affine map of each image (brightness, contrast; saturation is the identity on one channel)', async () => {
  await fc.assert(fc.asyncProperty(images, fc.nat(1000), async (x, seed) => {
    const y = await augment(x, seed, { ...off, color: true });
    assert.ok(Array.from(y.data).some((v, k) => Math.abs(v - (x.data[k] as number)) > 1e-3), 'no image changed');
    for (let b = 0; b < B; b++) {
      // fit y = a x + c on two pixels with different values, then check every pixel
      const n = S * S;
      const xs = Array.from(x.data.slice(b * n, (b + 1) * n) as Float32Array);
      const ys = Array.from(y.data.slice(b * n, (b + 1) * n) as Float32Array);
      const i = xs.indexOf(Math.min(...xs));
      const j = xs.indexOf(Math.max(...xs));
      if (xs[j] - xs[i] < 1e-3) continue;
      const a = (ys[j] - ys[i]) / (xs[j] - xs[i]);
      const c = ys[i] - a * xs[i];
      assert.ok(a >= 0.5 - 1e-4 && a <= 1.5 + 1e-4, `contrast factor ${a} outside [0.5, 1.5]`);
      xs.forEach((v, k) => assert.ok(Math.abs(ys[k] - (a * v + c)) < 1e-4, `pixel ${k} off the affine map`));
    }
  }), { numRuns: 8 });
});

test('the standard and strong policies are differentiable in the images (adjoint against finite differences)', async () => {
  await ready('cpu');
  for (const policy of [augmentPolicies.standard, augmentPolicies.strong]) {
    await fc.assert(fc.asyncProperty(floatArrayArb([2, 1, S, S], -1, 1), floatArrayArb([2, 1, S, S], -1, 1), floatArrayArb([2, 1, S, S], -1, 1), fc.nat(1000),
      async (x, u, v, seed) => {
        const eps = 1e-2;
        const r = await runOnce((xn: Node, un: Node, vn: Node, k: Node) => {
          const f = (img: Node) => diffAugment(img, k, policy);
          const [, pull] = vjp((xs: Node[]) => f(xs[0]), [xn]);
          const jtv = sum(mul((pull(vn) as Node[])[0], un));
          const fd = div(sum(mul(sub(f(add(xn, mul(un, eps))), f(sub(xn, mul(un, eps)))), vn)), 2 * eps);
          return { jtv, fd };
        }, [x, u, v, keyFromSeed(seed)], { backend: 'cpu' }) as unknown as { jtv: HostArray; fd: HostArray };
        const [jtv, fd] = [r.jtv.data[0] as number, r.fd.data[0] as number];
        assert.ok(Math.abs(jtv - fd) <= 1e-3 * (1 + Math.abs(jtv)), `<u, J^T v> = ${jtv}, finite differences ${fd}`);
      }), { numRuns: 4 });
  }
});
