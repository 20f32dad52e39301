import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release } from '../../src/compile/compile.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { grad } from '../../src/transforms/grad.ts';
import { degradeExpr, degradeHost, degradeReferenceHost, detailflowDegradation } from '../../src/detailflow/degradation.ts';
import { hostImage } from '../../src/detailflow/host-image.ts';
import { powerCurve } from '../../src/detailflow/resolution.ts';
import { allBackends, ready } from '../helpers/backends.ts';
import { degradeCaseWithTArb, imageDataArb } from './arbitraries.ts';

const batchOf = (imgs: Float32Array[], shape: number[]): HostArray => {
  const data = new Float32Array(imgs.reduce((n, d) => n + d.length, 0));
  let off = 0;
  for (const d of imgs) { data.set(d, off); off += d.length; }
  return { data, shape, dtype: 'float32' };
};

/** A case with a batch of two images (the second from a second data draw). */
const caseArb = fc.tuple(degradeCaseWithTArb, imageDataArb).map(([c, extra]) => ({ ...c, second: extra.slice(0, c.img.data.length) }));

for (const backend of allBackends) {
  test(`compiled degradation on ${backend} equals the host reference (batch of 2)`, async () => {
    await ready(backend);
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const map = powerCurve(c);
      const d = detailflowDegradation(map, c.patch);
      const C = c.img.channels;
      const f = compile((x: Node) => degradeExpr(d, x, c.t), { backend });
      const out = await f.run(batchOf([c.img.data, c.second], [2, C, c.size, c.size]));
      const got = await out.host();
      release(out);
      f.dispose();
      const want = [c.img.data, c.second].map((data) => degradeReferenceHost(map, c.patch, hostImage(data, C, c.size, c.size), c.t));
      assert.deepEqual([...got.shape], [2, C, want[0].height, want[0].width]);
      const flat = batchOf(want.map((w) => w.data), []).data;
      let scale = 1;
      for (const v of flat) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < flat.length; i++) {
        assert.ok(Math.abs(got.data[i] - flat[i]) <= 2e-5 * scale, `t = ${c.t}, [${i}]: ${got.data[i]} vs ${flat[i]}`);
      }
      if (c.t === c.tokens) assert.deepEqual(got.data, batchOf([c.img.data, c.second], []).data, 't = N: bit for bit');
    }), { numRuns: backend === 'cpu' ? 20 : 6 });
  });
}

test('t = N: the expression is the input itself', () => {
  fc.assert(fc.property(degradeCaseWithTArb, (c) => {
    const x = o.input(0, [1, c.img.channels, c.size, c.size]);
    assert.equal(degradeExpr(detailflowDegradation(powerCurve(c), c.patch), x, c.tokens), x);
  }), { numRuns: 20 });
});

const constantsOf = (n: Node, acc = new Set<Node>()): Set<Node> => {
  if (n.op === 'constant') acc.add(n);
  n.inputs.forEach((i) => constantsOf(i, acc));
  return acc;
};

test('resampling matrices are built once per size pair: separate expressions share their constant nodes', () => {
  fc.assert(fc.property(degradeCaseWithTArb, (c) => {
    const mk = () => degradeExpr(detailflowDegradation(powerCurve(c), c.patch), o.input(0, [2, c.img.channels, c.size, c.size]), c.t);
    const a = mk();
    const b = mk();
    assert.equal(a.hash, b.hash);
    const ca = constantsOf(a);
    for (const k of constantsOf(b)) assert.ok(ca.has(k), 'a matrix was rebuilt');
  }), { numRuns: 30 });
});

test('the expression is differentiable: its gradient is the adjoint, <grad_x <deg(x), w>, u> = <deg(u), w>', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(caseArb, imageDataArb, async (c, wData) => {
    const map = powerCurve(c);
    const d = detailflowDegradation(map, c.patch);
    const C = c.img.channels;
    const side = degradeHost(d, c.img, c.t).height;
    const w = wData.slice(0, C * side * side);
    const f = compile((x: Node, wt: Node) => grad((p: Node) => o.sum(o.mul(degradeExpr(d, p, c.t), wt)))(x), { backend: 'cpu' });
    const out = await f.run(batchOf([c.second], [1, C, c.size, c.size]), batchOf([w], [1, C, side, side]));
    const g = (await out.host()).data;
    release(out);
    f.dispose();
    const u = c.img.data;
    const du = degradeHost(d, c.img, c.t).data;
    let lhs = 0;
    let rhs = 0;
    let mag = 1;
    for (let i = 0; i < u.length; i++) { lhs += g[i] * u[i]; mag += Math.abs(g[i] * u[i]); }
    for (let i = 0; i < du.length; i++) rhs += du[i] * w[i];
    assert.ok(Math.abs(lhs - rhs) <= 1e-4 * mag, `${lhs} vs ${rhs}`);
  }), { numRuns: 10 });
});
