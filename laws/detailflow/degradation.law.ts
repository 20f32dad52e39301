import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  degradation, degradeHost, degradeReferenceHost, detailflowDegradation, outputSide, stage, type Degradation,
} from '../../src/detailflow/degradation.ts';
import { degradeImage } from '../../src/detailflow/api.ts';
import { decoderSizes } from '../../src/detailflow/decoder-size.ts';
import { hostImage, type HostImage } from '../../src/detailflow/host-image.ts';
import { fromCurve, fromTable, powerCurve } from '../../src/detailflow/resolution.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { area, byDirection, cubic } from '../../src/detailflow/resampling.ts';
import { areaResizeHost } from '../../src/detailflow/resize-host.ts';
import { degradeCaseArb, degradeCaseWithTArb, imageDataArb, indexArb, MAX_SIDE, pick } from './arbitraries.ts';

const maxAbs = (a: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; };
const assertNear = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}: [${i}] ${got[i]} vs ${want[i]} (tol ${tol})`);
};
const channelMeans = (img: HostImage): number[] => Array.from({ length: img.channels }, (_, c) => {
  const n = img.height * img.width;
  let s = 0;
  for (let i = 0; i < n; i++) s += img.data[c * n + i];
  return s / n;
});

/** The reference degradation and a user variant built from other combinators. */
const variants = (c: { size: number; tokens: number; alpha: number; patch: number }): Degradation[] => {
  const map = powerCurve(c);
  const sqrtMap = fromCurve('sqrt', c.size, c.tokens, (n) => c.size - (c.size - 1) * (1 - Math.sqrt((n - 1) / (c.tokens - 1))));
  return [
    detailflowDegradation(map, c.patch),
    degradation('sqrt map, area down, Catmull-Rom up', c.size, c.tokens, [
      stage('content', (t) => sqrtMap.values[t - 1], byDirection(area, cubic(-0.5))),
      stage('decoder', (t) => decoderSizes(sqrtMap, c.patch)[t - 1], byDirection(area, cubic(-0.5))),
    ]),
  ];
};

test('t = N is the identity, bit for bit (reference, matrix path and the plain API)', () => {
  fc.assert(fc.property(degradeCaseArb, (c) => {
    const N = c.tokens;
    const ref = degradeReferenceHost(powerCurve(c), c.patch, c.img, N);
    assert.deepEqual(ref.data, c.img.data);
    for (const d of variants(c)) assert.deepEqual(degradeHost(d, c.img, N).data, c.img.data, d.name);
    const viaApi = degradeImage(c.img, N, c);
    assert.deepEqual([viaApi.height, viaApi.width, viaApi.channels], [c.size, c.size, c.img.channels]);
    assert.deepEqual(viaApi.data, c.img.data);
    assert.notEqual(viaApi.data, c.img.data, 'a copy, not the input buffer');
  }), { numRuns: 80 });
});

test('output has side dec(t) and the input channels', () => {
  fc.assert(fc.property(degradeCaseWithTArb, (c) => {
    const out = degradeImage(c.img, c.t, c);
    const dec = decoderSizes(powerCurve(c), c.patch)[c.t - 1];
    assert.deepEqual([out.channels, out.height, out.width, out.data.length], [c.img.channels, dec, dec, c.img.channels * dec * dec]);
    assert.equal(outputSide(detailflowDegradation(powerCurve(c), c.patch), c.t), dec);
  }), { numRuns: 100 });
});

test('the matrix path equals the plain loops of the reference', () => {
  fc.assert(fc.property(degradeCaseWithTArb, (c) => {
    const want = degradeReferenceHost(powerCurve(c), c.patch, c.img, c.t);
    const got = degradeHost(detailflowDegradation(powerCurve(c), c.patch), c.img, c.t);
    assertNear(got.data, want.data, 1e-5 * (1 + maxAbs(want.data)), `t = ${c.t}`);
  }), { numRuns: 100 });
});

test('affine equivariance: deg(a*x + b) = a*deg(x) + b, for the reference and a user variant', () => {
  fc.assert(fc.property(degradeCaseWithTArb, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (c, a, b) => {
    const moved = hostImage(c.img.data.map((v) => a * v + b), c.img.channels, c.size, c.size);
    const tol = 2e-5 * (1 + Math.abs(a) * 2 + Math.abs(b)) * 4;
    for (const d of variants(c)) {
      const y = degradeHost(d, c.img, c.t);
      const ya = degradeHost(d, moved, c.t);
      assertNear(ya.data, y.data.map((v) => a * v + b), tol, d.name);
    }
    const y = degradeReferenceHost(powerCurve(c), c.patch, c.img, c.t);
    assertNear(degradeReferenceHost(powerCurve(c), c.patch, moved, c.t).data, y.data.map((v) => a * v + b), tol, 'reference loops');
  }), { numRuns: 80 });
});

test('constant images are fixed points (up to size)', () => {
  fc.assert(fc.property(degradeCaseWithTArb, fc.float({ min: -2, max: 2, noNaN: true }), (c, k) => {
    const flat = hostImage(new Float32Array(c.img.data.length).fill(k), c.img.channels, c.size, c.size);
    for (const d of variants(c)) assertNear(degradeHost(d, flat, c.t).data, new Float32Array(c.img.channels * outputSide(d, c.t) ** 2).fill(k), 1e-5, d.name);
    const out = degradeImage(flat, c.t, c);
    assertNear(out.data, new Float32Array(out.data.length).fill(k), 1e-5, 'reference');
  }), { numRuns: 80 });
});

test('R(t) = 1 gives the per-channel mean everywhere (t = 1 on the power curve)', () => {
  fc.assert(fc.property(degradeCaseArb, (c) => {
    const out = degradeImage(c.img, 1, c);
    const means = channelMeans(c.img);
    const n = out.height * out.width;
    for (let ch = 0; ch < out.channels; ch++) {
      assertNear(out.data.subarray(ch * n, (ch + 1) * n), new Float32Array(n).fill(means[ch]), 1e-5, `channel ${ch}`);
    }
  }), { numRuns: 80 });
});

// Area step alone: side H down to R.
const areaArb = fc
  .record({ size: fc.integer({ min: 1, max: MAX_SIDE }), k: indexArb, channels: fc.integer({ min: 1, max: 3 }), data: imageDataArb })
  .map(({ size, k, channels, data }) => ({ r: pick(k, size), img: hostImage(data.slice(0, channels * size * size), channels, size, size) }));

test('area step: outputs lie within [min, max] of the input', () => {
  fc.assert(fc.property(areaArb, ({ r, img }) => {
    const out = areaResizeHost(img, r, r);
    const n = img.height * img.width;
    for (let ch = 0; ch < img.channels; ch++) {
      const src = img.data.subarray(ch * n, (ch + 1) * n);
      const lo = Math.min(...src);
      const hi = Math.max(...src);
      out.data.subarray(ch * r * r, (ch + 1) * r * r).forEach((v) => assert.ok(v >= lo - 1e-6 && v <= hi + 1e-6));
    }
  }), { numRuns: 80 });
});

test('area step: when R divides H it is exact block averaging and preserves the mean', () => {
  fc.assert(fc.property(areaArb, ({ r, img }) => {
    const H = img.height;
    const R = [...Array(H).keys()].map((i) => i + 1).filter((d) => H % d === 0).find((d) => d >= r) ?? H;
    const out = areaResizeHost(img, R, R);
    const k = H / R;
    for (let ch = 0; ch < img.channels; ch++) {
      for (let y = 0; y < R; y++) for (let x = 0; x < R; x++) {
        let s = 0;
        for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) s += img.data[(ch * H + y * k + dy) * H + x * k + dx];
        assert.ok(Math.abs(out.data[(ch * R + y) * R + x] - s / (k * k)) <= 1e-5);
      }
    }
    assertNear(channelMeans(out), channelMeans(img), 1e-5, 'means');
  }), { numRuns: 80 });
});

test('the reference degradation checks the map it is given and the patch', () => {
  fc.assert(fc.property(degradeCaseArb, fc.integer({ min: 2, max: 7 }), (c, badPatch) => {
    const values = [...powerCurve(c).values];
    const broken = fromTable('reversed', c.size, [...values].reverse());
    const patch = c.size % badPatch === 0 ? c.size + 1 : badPatch;
    let err: unknown = null;
    try { detailflowDegradation(broken, patch); } catch (e) { err = e; }
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    assert.match(text, c.size > 1 ? /non-decreasing/ : /R\(N\)|patch/);
    assert.match(text, /patch/);
  }), { numRuns: 50 });
});
