import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { attend } from '../../src/nn/attention.ts';
import { causalMask } from '../../src/nn/attention-mask.ts';
import type { Params } from '../../src/nn/module.ts';
import { transformerBlock } from '../../src/nn/transformer-block.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { floatsArb } from '../helpers/arbitraries.ts';

/** Shapes first; q, k, v, a perturbation and the mask bits are carved from fixed-size pools with .map. */
const caseArb = fc.record({
  b: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 1, max: 2 }), tq: fc.integer({ min: 1, max: 4 }),
  tk: fc.integer({ min: 1, max: 4 }), d: fc.integer({ min: 1, max: 3 }), perHead: fc.boolean(),
  pools: fc.tuple(floatsArb(48), floatsArb(48), floatsArb(48), floatsArb(48, -5, 5), floatsArb(48, -5, 5)),
  maskBits: fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }), hit: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
}).map((c) => {
  const n = c.b * c.h * c.tk * c.d;
  const nq = c.b * c.h * c.tq * c.d;
  const shapeQ = [c.b, c.h, c.tq, c.d];
  const shapeK = [c.b, c.h, c.tk, c.d];
  // mask [B, Tq, Tk] (broadcast over heads) or [Tq, Tk]; every query keeps at least key i mod Tk
  const maskShape = c.perHead ? [c.b, c.tq, c.tk] : [c.tq, c.tk];
  const mask = Uint8Array.from({ length: maskShape.reduce((a, x) => a * x, 1) }, (_, idx) => {
    const j = idx % c.tk;
    const i = Math.floor(idx / c.tk) % c.tq;
    return c.maskBits[idx % 32] || j === i % c.tk ? 1 : 0;
  });
  return {
    ...c, shapeQ, shapeK, maskShape, mask,
    q: c.pools[0].slice(0, nq), k: c.pools[1].slice(0, n), v: c.pools[2].slice(0, n), dk: c.pools[3].slice(0, n), dv: c.pools[4].slice(0, n),
    hitKeys: c.hit.slice(0, c.tk),
  };
});

const attendOnCpu = async (q: HostArray, k: HostArray, v: HostArray, mask: HostArray): Promise<Float32Array> => {
  const fn = compile((a: Node, b: Node, c: Node, m: Node) => attend(a, b, c, m), { backend: 'cpu' });
  const out = await fn.run(q, k, v, mask);
  const y = (await toHost(out) as HostArray).data as Float32Array;
  release(out);
  fn.dispose();
  return y;
};

test('attend: keys a query may not see do not influence its output (perturbation)', async () => {
  await fc.assert(fc.asyncProperty(caseArb, async (c) => {
    const m = hostArray(c.mask, c.maskShape);
    const base = await attendOnCpu(hostArray(c.q, c.shapeQ), hostArray(c.k, c.shapeK), hostArray(c.v, c.shapeK), m);
    // perturb the keys and values at the chosen key positions, in every batch and head
    const hitAt = (idx: number) => c.hitKeys[Math.floor(idx / c.d) % c.tk];
    const k2 = c.k.map((x, i) => (hitAt(i) ? x + c.dk[i] : x));
    const v2 = c.v.map((x, i) => (hitAt(i) ? x + c.dv[i] : x));
    const moved = await attendOnCpu(hostArray(c.q, c.shapeQ), hostArray(k2, c.shapeK), hostArray(v2, c.shapeK), m);
    for (let bi = 0; bi < c.b; bi++) for (let hi = 0; hi < c.h; hi++) for (let i = 0; i < c.tq; i++) {
      const allowed = (j: number) => c.mask[(c.perHead ? bi * c.tq * c.tk : 0) + i * c.tk + j] === 1;
      const blind = c.hitKeys.every((hit, j) => !hit || !allowed(j));
      if (!blind) continue;
      for (let e = 0; e < c.d; e++) {
        const at = ((bi * c.h + hi) * c.tq + i) * c.d + e;
        assert.ok(Math.abs(base[at] - moved[at]) <= 1e-6, `b${bi} h${hi} q${i}: ${base[at]} vs ${moved[at]}`);
      }
    }
  }), { numRuns: 40 });
});

test('attend equals a float64 masked-softmax reference', async () => {
  await fc.assert(fc.asyncProperty(caseArb, async (c) => {
    const got = await attendOnCpu(hostArray(c.q, c.shapeQ), hostArray(c.k, c.shapeK), hostArray(c.v, c.shapeK), hostArray(c.mask, c.maskShape));
    for (let bi = 0; bi < c.b; bi++) for (let hi = 0; hi < c.h; hi++) for (let i = 0; i < c.tq; i++) {
      const base = (bi * c.h + hi);
      const scores = Array.from({ length: c.tk }, (_, j) => {
        let s = 0;
        for (let e = 0; e < c.d; e++) s += c.q[(base * c.tq + i) * c.d + e] * c.k[(base * c.tk + j) * c.d + e];
        return c.mask[(c.perHead ? bi * c.tq * c.tk : 0) + i * c.tk + j] ? s / Math.sqrt(c.d) : -Infinity;
      });
      const mx = Math.max(...scores);
      const w = scores.map((s) => Math.exp(s - mx));
      const z = w.reduce((a, x) => a + x, 0);
      for (let e = 0; e < c.d; e++) {
        const want = w.reduce((a, x, j) => a + (x / z) * c.v[(base * c.tk + j) * c.d + e], 0);
        const at = (base * c.tq + i) * c.d + e;
        assert.ok(Math.abs(got[at] - want) <= 1e-5 + 1e-4 * Math.abs(want), `${got[at]} vs ${want}`);
      }
    }
  }), { numRuns: 40 });
});

test('a causal transformer block: the output at t does not depend on inputs after t', async () => {
  const width = 8;
  const block = transformerBlock({ width, heads: 2, mlpWidth: 16, depth: 1 });
  const params = block.init(keyFromSeed(3));
  const fn = compile((p: Params<typeof params>, x: Node) => block.apply(p, x, { mask: causalMask(x.shape[1]) }), { backend: 'cpu' });
  await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 5 }), floatsArb(2 * 5 * width), floatsArb(2 * 5 * width, -4, 4), fc.nat(4), async (t, pool, noise, cut0) => {
    const cut = cut0 % t;
    const n = 2 * t * width;
    const x = pool.slice(0, n);
    const x2 = x.map((v, i) => (Math.floor(i / width) % t > cut ? v + noise[i] : v));
    const run = async (d: Float32Array) => {
      const out = await fn.run(params, hostArray(d, [2, t, width]));
      const y = (await toHost(out) as HostArray).data;
      release(out);
      return y;
    };
    const [a, b] = [await run(x), await run(x2)];
    for (let i = 0; i < n; i++) if (Math.floor(i / width) % t <= cut) assert.ok(Math.abs(a[i] - b[i]) <= 1e-5, `position ${Math.floor(i / width) % t}`);
  }), { numRuns: 20 });
  fn.dispose();
});
