import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import type { BackendName } from '../../src/compile/backend.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { conv2d, conv2dFn, type ImageLayout } from '../../src/nn/conv2d.ts';
import { avgPool2, globalAvgPool } from '../../src/nn/pool.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { adjointCheck } from '../helpers/adjoint.ts';
import { ready } from '../helpers/backends.ts';
import { floatsArb } from '../helpers/arbitraries.ts';
import { assertClose } from '../helpers/close.ts';

const POOL = 512;

/** Shapes first, then x, w, b carved from fixed-size pools with .map (shrinks well). */
const convCaseArb = fc.record({
  b: fc.integer({ min: 1, max: 2 }), cin: fc.integer({ min: 1, max: 4 }), cout: fc.integer({ min: 1, max: 4 }),
  h: fc.integer({ min: 1, max: 6 }), w: fc.integer({ min: 1, max: 6 }), k: fc.constantFrom(1, 3),
  bias: fc.boolean(), layout: fc.constantFrom<ImageLayout>('NCHW', 'NHWC'),
  pools: fc.tuple(floatsArb(POOL), floatsArb(POOL), floatsArb(8)),
}).map((c) => {
  const xShape = c.layout === 'NCHW' ? [c.b, c.cin, c.h, c.w] : [c.b, c.h, c.w, c.cin];
  const wShape = [c.k, c.k, c.cin, c.cout];
  return {
    ...c, xShape, wShape,
    x: hostArray(c.pools[0].slice(0, c.b * c.cin * c.h * c.w), xShape),
    wt: hostArray(c.pools[1].slice(0, c.k * c.k * c.cin * c.cout), wShape),
    bs: c.bias ? hostArray(c.pools[2].slice(0, c.cout), [c.cout]) : undefined,
  };
});

type ConvCase = typeof convCaseArb extends fc.Arbitrary<infer C> ? C : never;

/** The textbook sum in float64: y[b,o,i,j] = bias[o] + sum x[b,c,i+dy-p,j+dx-p] w[dy,dx,c,o]. */
const naiveConv = (c: ConvCase): HostArray => {
  const { b: B, cin, cout, h: H, w: W, k } = c;
  const p = (k - 1) / 2;
  const nchw = c.layout === 'NCHW';
  const xi = (n: number, ch: number, i: number, j: number) => (nchw ? ((n * cin + ch) * H + i) * W + j : ((n * H + i) * W + j) * cin + ch);
  const yi = (n: number, ch: number, i: number, j: number) => (nchw ? ((n * cout + ch) * H + i) * W + j : ((n * H + i) * W + j) * cout + ch);
  const out = new Float32Array(B * cout * H * W);
  for (let n = 0; n < B; n++) for (let oc = 0; oc < cout; oc++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
    let s = c.bs ? c.bs.data[oc]! : 0;
    for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) for (let ic = 0; ic < cin; ic++) {
      const [y, x] = [i + dy - p, j + dx - p];
      if (y >= 0 && y < H && x >= 0 && x < W) s += c.x.data[xi(n, ic, y, x)]! * c.wt.data[((dy * k + dx) * cin + ic) * cout + oc]!;
    }
    out[yi(n, oc, i, j)] = s;
  }
  return hostArray(out, nchw ? [B, cout, H, W] : [B, H, W, cout]);
};

const runOn = async (backend: BackendName, fn: (xs: Node[]) => Node, inputs: HostArray[]): Promise<HostArray> => {
  await ready(backend);
  const c = compile(fn, { backend, checkShapes: true });
  const out = await c.run(inputs);
  const host = (await toHost(out)) as HostArray;
  release(out);
  c.dispose();
  return host;
};

const inputsOf = (c: ConvCase): HostArray[] => (c.bs ? [c.x, c.wt, c.bs] : [c.x, c.wt]);
const applyConv = (c: ConvCase) => (xs: Node[]): Node => conv2dFn(xs[0], xs[1], xs[2], c.layout);

test('conv2d equals the naive float64 convolution (kernels 1 and 3, both layouts)', async () => {
  await fc.assert(fc.asyncProperty(convCaseArb, async (c) => {
    assertClose(await runOn('cpu', applyConv(c), inputsOf(c)), naiveConv(c), 1e-4, 1e-4, 'conv2d vs naive');
  }), { numRuns: 40 });
});

test('the conv2d layer: HWIO weights with fan-in kh*kw*Cin, zero bias, and apply = conv2dFn', async () => {
  const layer = conv2d({ in: 3, out: 5, kernel: 3 });
  const p = layer.init(keyFromSeed(1));
  assert.deepEqual(p.w.shape, [3, 3, 3, 5]);
  assert.deepEqual([...p.b!.data], [0, 0, 0, 0, 0]);
  const std = Math.sqrt([...p.w.data].reduce((s, v) => s + v * v, 0) / p.w.data.length);
  assert.ok(std > 0.1 && std < 0.5, `weight std ${std} should be near 1/sqrt(27)`);
  assert.throws(() => conv2d({ in: 1, out: 1, kernel: 2 }), /odd positive integer/);
  assert.throws(() => conv2dFn(o.zeros([1, 2, 4, 4]), o.zeros([3, 3, 3, 1])), /2 channels, weights expect 3/);
});

test('vjp of conv2d (input, weights, bias) agrees with finite differences and is linear', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(convCaseArb, fc.nat(1000), async (c, seed) => {
    const inputs = inputsOf(c);
    const r = await adjointCheck(applyConv(c), inputs, inputs.map((_, i) => i), seed);
    const tol = 2e-2 * (1 + Math.abs(r.jtv) + Math.abs(r.fd));
    assert.ok(Math.abs(r.jtv - r.fd) <= tol, `<u, J^T v> = ${r.jtv} but finite differences give ${r.fd}`);
    assert.ok(r.linearityGap <= 1e-4 * r.scale, `VJP not linear in the cotangent (gap ${r.linearityGap})`);
  }), { numRuns: 12 });
});

const poolCaseArb = fc.record({
  b: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), h2: fc.integer({ min: 1, max: 4 }), w2: fc.integer({ min: 1, max: 4 }),
  pool: floatsArb(POOL),
}).map((p) => ({ ...p, x: hostArray(p.pool.slice(0, p.b * p.c * 4 * p.h2 * p.w2), [p.b, p.c, 2 * p.h2, 2 * p.w2]) }));

const meanOf = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

test('avgPool2 preserves the mean, averages each 2x2 block, and agrees across layouts; globalAvgPool is the per-channel mean', async () => {
  await fc.assert(fc.asyncProperty(poolCaseArb, async ({ b, c, h2, w2, x }) => {
    const [y, yNhwc, g] = await Promise.all([
      runOn('cpu', ([v]) => avgPool2(v), [x]),
      runOn('cpu', ([v]) => o.transpose(avgPool2(o.transpose(v, [0, 2, 3, 1]), 'NHWC'), [0, 3, 1, 2]), [x]),
      runOn('cpu', ([v]) => globalAvgPool(v), [x]),
    ]);
    assert.deepEqual(y.shape, [b, c, h2, w2]);
    assert.ok(Math.abs(meanOf(y.data) - meanOf(x.data)) <= 1e-5, `mean ${meanOf(y.data)} vs ${meanOf(x.data)}`);
    const W = 2 * w2;
    const block = Float32Array.from(y.data, (_, idx) => {
      const [j, i, pl] = [idx % w2, Math.floor(idx / w2) % h2, Math.floor(idx / (w2 * h2))];
      const at = (di: number, dj: number) => x.data[(pl * 2 * h2 + 2 * i + di) * W + 2 * j + dj]!;
      return (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
    });
    assertClose(y, hostArray(block, y.shape), 1e-6, 1e-5, 'avgPool2 blocks');
    assertClose(yNhwc, y, 1e-6, 1e-5, 'NHWC vs NCHW');
    const plane = 4 * h2 * w2;
    const want = Float32Array.from({ length: b * c }, (_, pl) => meanOf(x.data.subarray(pl * plane, (pl + 1) * plane)));
    assertClose(g, hostArray(want, [b, c]), 1e-6, 1e-5, 'globalAvgPool');
  }), { numRuns: 30 });
});

test('conv2d + gelu + avgPool2 on wasm and webgpu agrees with cpu', async () => {
  const even = convCaseArb.filter((c) => c.h % 2 === 0 && c.w % 2 === 0);
  await fc.assert(fc.asyncProperty(even, async (c) => {
    const fn = (xs: Node[]) => avgPool2(o.gelu(conv2dFn(xs[0], xs[1], xs[2], c.layout)), c.layout);
    const want = await runOn('cpu', fn, inputsOf(c));
    for (const backend of ['wasm', 'webgpu'] as const) assertClose(await runOn(backend, fn, inputsOf(c)), want, 1e-4, 1e-3, backend);
  }), { numRuns: 4 });
});
