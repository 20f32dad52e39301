import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { compile, release, toHost } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { decodeArConfig, type ArConfig } from '../../src/detailflow/ar/config.ts';
import { applyRope, ropeAngles, ropeNodes, ropeTables } from '../../src/detailflow/ar/rope-2d.ts';

const config = (o: Partial<ArConfig>): ArConfig => {
  const r = decodeArConfig({ width: 64, heads: 2, tokens: 32, group: 4, ...o });
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

/** x rotated by the table row of position p, on the host (the reference's pairwise formula). */
const rotate = (x: readonly number[], p: number, c: ArConfig): number[] => {
  const dh = x.length;
  if (p === 0) return c.classZeroRotation ? x.map(() => 0) : [...x];
  const a = ropeAngles(p, c);
  const out = [...x];
  for (let m = 0; m < dh / 2; m++) {
    out[2 * m] = x[2 * m] * Math.cos(a[m]) - x[2 * m + 1] * Math.sin(a[m]);
    out[2 * m + 1] = x[2 * m + 1] * Math.cos(a[m]) + x[2 * m] * Math.sin(a[m]);
  }
  return out;
};
const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

const vecArb = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 32, maxLength: 32 });
const cellArb = fc.record({ r: fc.integer({ min: 0, max: 7 }), c: fc.integer({ min: 0, max: 3 }) });

test('RoPE: for positions >= 1, rotated q.k depends only on (row, column) offsets', () => {
  const c = config({});
  const pos = (cell: { r: number; c: number }) => 1 + cell.r * c.group + cell.c;
  fc.assert(fc.property(vecArb, vecArb, cellArb, cellArb, cellArb, (q, k, a, b, shift) => {
    const moved = (x: { r: number; c: number }) => ({ r: (x.r + shift.r) % 8, c: (x.c + shift.c) % 4 });
    const a2 = moved(a);
    const b2 = moved(b);
    // only compare when the shift keeps the offset (no wrap-around)
    fc.pre(a2.r - b2.r === a.r - b.r && a2.c - b2.c === a.c - b.c);
    const d1 = dot(rotate(q, pos(a), c), rotate(k, pos(b), c));
    const d2 = dot(rotate(q, pos(a2), c), rotate(k, pos(b2), c));
    assert.ok(Math.abs(d1 - d2) <= 1e-9 * (1 + Math.abs(d1)), `${d1} vs ${d2}`);
  }), { numRuns: 300 });
});

test('RoPE: position 0 is zeroed by default (the reference quirk), the identity with classZeroRotation false', () => {
  const quirk = ropeTables(0, 3, config({}));
  const plain = ropeTables(0, 3, config({ classZeroRotation: false }));
  assert.ok(quirk.cos.subarray(0, 32).every((v) => v === 0) && quirk.sin.subarray(0, 32).every((v) => v === 0));
  assert.ok(plain.cos.subarray(0, 32).every((v) => v === 1) && plain.sin.subarray(0, 32).every((v) => v === 0));
  // position 1 is grid cell (0, 0): every angle 0, the identity in both
  assert.ok(quirk.cos.subarray(32, 64).every((v) => v === 1) && quirk.sin.subarray(32, 64).every((v) => v === 0));
});

test('RoPE golden angles: N = 128, g = 8, head dim 64: f_k = 10000^(-k/16); position p >= 1 is cell p-1 of the 16 x 8 grid', () => {
  const c = config({ width: 1024, heads: 16, tokens: 128, group: 8 });
  const a = ropeAngles(1 + 2 * 8 + 5, c); // row 2, column 5
  for (let k = 0; k < 16; k++) {
    assert.ok(Math.abs(a[k] - 2 * Math.pow(10000, -k / 16)) < 1e-12);
    assert.ok(Math.abs(a[16 + k] - 5 * Math.pow(10000, -k / 16)) < 1e-12);
  }
});

test('applyRope (compiled) equals the pairwise formula on the host (|diff| <= 1e-5)', async () => {
  const c = config({});
  const f = compile((x: Node) => applyRope(x, ropeNodes(3, 11, c)), { backend: 'cpu' });
  await fc.assert(fc.asyncProperty(fc.array(vecArb, { minLength: 8, maxLength: 8 }), async (rows) => {
    const out = await f.run(hostArray(Float32Array.from(rows.flat()), [1, 8, 32]));
    const got = (await toHost(out) as HostArray).data;
    release(out);
    rows.forEach((x, i) => rotate(x, 3 + i, c).forEach((v, j) => assert.ok(Math.abs(got[i * 32 + j] - v) <= 1e-5, `row ${i} col ${j}`)));
  }), { numRuns: 20 });
  f.dispose();
});
