import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, runOnce, toHost } from '../../src/compile/compile.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import * as o from '../../src/ops/index.ts';
import type { Node } from '../../src/ir/node.ts';
import { floatArrayArb, shapeArb } from '../helpers/arbitraries.ts';
import { ready } from '../helpers/backends.ts';

const run = async (fn: (...xs: Node[]) => Node, ...xs: HostArray[]): Promise<HostArray> => {
  await ready('cpu');
  return (await runOnce(fn, xs, { backend: 'cpu' })) as HostArray;
};

test('reshape and transpose round trips return the input', async () => {
  await fc.assert(fc.asyncProperty(shapeArb(1).chain((s) => fc.tuple(floatArrayArb(s), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }))),
    async ([x, perm]) => {
      const inv = perm.map((_, i) => perm.indexOf(i));
      const y = await run((v) => o.transpose(o.transpose(o.reshape(o.reshape(v, [-1]), x.shape), perm), inv), x);
      assert.deepEqual(Array.from(y.data), Array.from(x.data));
    }), { numRuns: 20 });
});

test('softmax rows are positive and sum to 1', async () => {
  await fc.assert(fc.asyncProperty(shapeArb(1, 3).chain((s) => floatArrayArb(s, -30, 30)), async (x) => {
    const y = await run((v) => o.softmax(v, -1), x);
    const n = x.shape[x.shape.length - 1];
    for (let r = 0; r < y.data.length / n; r++) {
      const row = Array.from(y.data.slice(r * n, r * n + n));
      assert.ok(row.every((p) => p >= 0));
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    }
  }), { numRuns: 20 });
});

test('softmax and log-softmax stay normalised for huge inputs and fully masked rows', async () => {
  await fc.assert(fc.asyncProperty(shapeArb(1, 2).chain((s) => floatArrayArb(s, -5, 5)), fc.constantFrom(1e8, -1e30, 1e30, -1e8), async (x, shift) => {
    const n = x.shape[x.shape.length - 1];
    const p = await run((v) => o.softmax(o.add(v, shift), -1), x);
    const lp = await run((v) => o.exp(o.logSoftmax(o.add(v, shift), -1)), x);
    for (const y of [p, lp]) {
      for (let r = 0; r < y.data.length / n; r++) {
        const total = Array.from(y.data.slice(r * n, r * n + n)).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(total - 1) < 1e-5, `row ${r} sums to ${total} after adding ${shift}`);
      }
    }
  }), { numRuns: 15 });
});

test('logsumexp is finite and exact for large inputs (shift invariance)', async () => {
  await fc.assert(fc.asyncProperty(shapeArb(1, 2).chain((s) => floatArrayArb(s, -5, 5)), fc.constantFrom(500, -500, 80, 1e4), async (x, shift) => {
    const y = await run((v) => o.logsumexp(v, -1), x);
    const ys = await run((v) => o.logsumexp(o.add(v, shift), -1), x);
    ys.data.forEach((v, i) => {
      assert.ok(Number.isFinite(v), `logsumexp(x + ${shift}) is ${v}`);
      assert.ok(Math.abs(v - shift - y.data[i]) <= 1e-6 * Math.abs(shift) + 1e-4);
    });
  }), { numRuns: 15 });
});

test('cross-entropy equals logsumexp minus the label logit', async () => {
  await fc.assert(fc.asyncProperty(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 6 })).chain(([b, v]) =>
    fc.tuple(floatArrayArb([b, v], -4, 4), fc.array(fc.integer({ min: 0, max: v - 1 }), { minLength: b, maxLength: b }))), async ([logits, labels]) => {
    const lab: HostArray = { data: Int32Array.from(labels), shape: [labels.length], dtype: 'int32' };
    const ce = (await run((l, y) => o.crossEntropy(l, y), logits, lab)).data[0];
    const V = logits.shape[1];
    let want = 0;
    labels.forEach((y, b) => {
      const row = Array.from(logits.data.slice(b * V, b * V + V));
      const m = Math.max(...row);
      want += m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[y];
    });
    assert.ok(Math.abs(ce - want / labels.length) < 1e-4);
  }), { numRuns: 20 });
});

test('straight-through: forward value of the target, gradient of the identity', async () => {
  const { valueAndGrad } = await import('../../src/transforms/grad.ts');
  await fc.assert(fc.asyncProperty(shapeArb(1, 2).chain((s) => fc.tuple(floatArrayArb(s), floatArrayArb(s))), async ([x, q]) => {
    const out = await toHost(await compile((a: Node, b: Node) => {
      const f = (p: Node) => o.sum(o.straightThrough(p, b));
      const [v, g] = valueAndGrad(f)(a);
      return { v, g, sg: valueAndGrad((p: Node) => o.sum(o.stopGradient(o.square(p))))(a)[1] };
    }, { backend: 'cpu' }).run(x, q)) as Record<string, HostArray>;
    assert.ok(Math.abs(out.v.data[0] - Array.from(q.data).reduce((a, b) => a + b, 0)) < 1e-4);
    assert.ok(out.g.data.every((v) => v === 1));
    assert.ok(out.sg.data.every((v) => v === 0));
  }), { numRuns: 10 });
});
