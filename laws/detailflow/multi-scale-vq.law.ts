// VAR's multi-scale residual VQ as a Quantizer (issue 19, items 2 and 3): the fixed resampling
// operators, each scale's code is the nearest to the residual the coarser scales left, the grid
// the decoder reads plus the last scale's error is exactly the encoder's grid, a prefix of tokens
// builds the grid of its scales alone, and the decoder's gradient reaches the encoder unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runOnce } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { valueAndGrad } from '../../src/transforms/grad.ts';
import { multiScaleResidualVq, scaleOperators, scalesOfSpans } from '../../src/detailflow/tokenizer/quantizers/multi-scale-vq.ts';
import { ready } from '../helpers/backends.ts';

/** Increasing scales ending at the grid side G (2..6), e.g. [1, 3, 5]. */
const scalesArb = fc.integer({ min: 2, max: 6 }).chain((g) =>
  fc.subarray(Array.from({ length: g - 1 }, (_, i) => i + 1)).map((lower) => [...lower, g]));

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${what}: ${a} vs ${b}`);

/** out = m [r, c] @ x [c, d] on the host (float64). */
const matmulHost = (m: ArrayLike<number>, r: number, c: number, x: ArrayLike<number>, d: number): Float64Array => {
  const out = new Float64Array(r * d);
  for (let i = 0; i < r; i++) for (let k = 0; k < c; k++) {
    const w = m[i * c + k];
    if (w !== 0) for (let j = 0; j < d; j++) out[i * d + j] += w * x[k * d + j];
  }
  return out;
};

test('the scale operators: area down and bicubic up keep constants (rows sum to 1), and the last scale is the grid itself', () => {
  fc.assert(fc.property(scalesArb, (scales) => {
    const g = scales[scales.length - 1];
    const ops = scaleOperators(scales, g);
    assert.equal(ops.tokens, scales.reduce((a, s) => a + s * s, 0));
    scales.forEach((s, k) => {
      for (let r = 0; r < s * s; r++) close(ops.down[k].slice(r * g * g, (r + 1) * g * g).reduce((a, b) => a + b, 0), 1, 1e-5, `down ${s} row ${r}`);
      for (let r = 0; r < g * g; r++) close(ops.up[k].slice(r * s * s, (r + 1) * s * s).reduce((a, b) => a + b, 0), 1, 1e-5, `up ${s} row ${r}`);
    });
    const K = scales.length - 1;
    for (let i = 0; i < g * g; i++) for (let j = 0; j < g * g; j++) {
      assert.equal(ops.down[K][i * g * g + j], i === j ? 1 : 0);
      assert.equal(ops.up[K][i * g * g + j], i === j ? 1 : 0);
    }
  }), { numRuns: 50 });
  assert.throws(() => scaleOperators([1, 2, 3], 4), /scales must increase from 1 or more to the grid side 4/);
  assert.throws(() => scaleOperators([2, 2, 4], 4), /scales\[1\] = 2/);
  assert.deepEqual(scalesOfSpans([1, 4, 9, 64]), [1, 2, 3, 8]);
  assert.throws(() => scalesOfSpans([1, 4, 8]), /span 2 has 8 tokens, not a square/);
});

test('each scale takes the nearest codes to the residual the coarser scales left; the grid read plus the last error is the encoder\'s grid', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(scalesArb, fc.integer({ min: 2, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.nat(1000), async (scales, V, D, seed) => {
    const g = scales[scales.length - 1];
    const G2 = g * g;
    const q = multiScaleResidualVq(V, D, scales, g);
    const ops = scaleOperators(scales, g);
    const N = ops.tokens;
    const B = 2;
    const z = hostArray(normalHost(keyFromSeed(seed), B * G2 * D), [B, G2, D]);
    const book = hostArray(normalHost(keyFromSeed(seed + 1), V * D), [V, D]);
    const out = await runOnce((zz: Node, bk: Node) => {
      const r = q.quantize(bk, zz);
      return { indices: r.indices, codes: r.codes, z: r.z, grid: q.toDecoder(r.codes), vq: r.vqPerToken, commit: r.commitPerToken, lookup: q.lookup(bk, r.indices) };
    }, [z, book], { backend: 'cpu' }) as unknown as Record<string, HostArray>;
    assert.deepEqual(out.indices.shape, [B, N]);
    assert.deepEqual(out.grid.shape, [B, G2, D]);
    for (let b = 0; b < B; b++) {
      const idx = Array.from(out.indices.data.slice(b * N, (b + 1) * N));
      const zb = Array.from(z.data.slice(b * G2 * D, (b + 1) * G2 * D));
      // the host's residual chain from the device's indices
      const built = new Float64Array(G2 * D);
      let col = 0;
      scales.forEach((s, k) => {
        const rest = zb.map((v, i) => v - built[i]);
        const r = matmulHost(ops.down[k], s * s, G2, rest, D);
        const qk = new Float64Array(s * s * D);
        for (let j = 0; j < s * s; j++) {
          const token = col + j;
          const rr = Array.from(r.slice(j * D, (j + 1) * D));
          rr.forEach((v, c) => close(out.z.data[(b * N + token) * D + c], v, 1e-4, `residual of token ${token}`));
          // the chosen code is the nearest (up to float32 near-ties)
          const dist = (i: number) => rr.reduce((a, v, c) => a + (v - book.data[i * D + c]) ** 2, 0);
          const best = Math.min(...Array.from({ length: V }, (_, i) => dist(i)));
          assert.ok(dist(idx[token]) <= best + 1e-4 * (1 + best), `token ${token}: code ${idx[token]} at ${dist(idx[token])}, nearest at ${best}`);
          for (let c = 0; c < D; c++) qk[j * D + c] = book.data[idx[token] * D + c];
          // the codes are the looked-up vectors, and both loss terms are mean((q - r)^2) in value
          const err = rr.reduce((a, v, c) => a + (qk[j * D + c] - v) ** 2, 0) / D;
          close(out.vq.data[b * N + token], err, 1e-4, `vq of token ${token}`);
          close(out.commit.data[b * N + token], err, 1e-4, `commitment of token ${token}`);
          for (let c = 0; c < D; c++) {
            close(out.codes.data[(b * N + token) * D + c], qk[j * D + c], 1e-5, `code of token ${token}`);
            close(out.lookup.data[(b * N + token) * D + c], qk[j * D + c], 1e-6, `lookup of token ${token}`);
          }
        }
        const up = matmulHost(ops.up[k], G2, s * s, qk, D);
        up.forEach((v, i) => { built[i] += v; });
        col += s * s;
      });
      // z = grid + (r_K - q_K): the last scale is the grid itself, so its error is all that is left
      const lastStart = N - G2;
      for (let i = 0; i < G2 * D; i++) {
        const err = out.z.data[(b * N + lastStart) * D + i] - out.codes.data[(b * N + lastStart) * D + i];
        close(out.grid.data[b * G2 * D + i] + err, zb[i], 1e-4, `grid + last error at ${i}`);
        close(out.grid.data[b * G2 * D + i], built[i], 1e-4, `grid at ${i}`);
      }
    }
  }), { numRuns: 25 });
});

test('a prefix of tokens builds the grid of those tokens alone: the later ones read as zero', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(scalesArb, fc.integer({ min: 1, max: 3 }), fc.nat(1000), fc.nat(), async (scales, D, seed, pick) => {
    const g = scales[scales.length - 1];
    const q = multiScaleResidualVq(4, D, scales, g);
    const N = scaleOperators(scales, g).tokens;
    const t = 1 + (pick % N);
    const codes = hostArray(normalHost(keyFromSeed(seed), N * D), [1, N, D]);
    const zeroed = hostArray(codes.data.map((v, i) => (Math.floor(i / D) < t ? v : 0)), [1, N, D]);
    const out = await runOnce((c: Node, cz: Node) => ({ prefix: q.toDecoder(o.sliceAxis(c, 1, 0, t)), zeroed: q.toDecoder(cz) }),
      [codes, zeroed], { backend: 'cpu' }) as unknown as Record<string, HostArray>;
    assert.deepEqual(out.prefix.shape, [1, g * g, D]);
    out.prefix.data.forEach((v, i) => close(v, out.zeroed.data[i], 1e-5, `t = ${t}, entry ${i}`));
  }), { numRuns: 40 });
});

test('the decoder\'s gradient reaches the encoder\'s grid unchanged (VAR\'s f + sg(f_hat - f)); the codebook learns from its loss only', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(scalesArb, fc.integer({ min: 1, max: 3 }), fc.nat(1000), async (scales, D, seed) => {
    const g = scales[scales.length - 1];
    const q = multiScaleResidualVq(6, D, scales, g);
    const z = hostArray(normalHost(keyFromSeed(seed), g * g * D), [1, g * g, D]);
    const v = hostArray(normalHost(keyFromSeed(seed + 1), g * g * D), [1, g * g, D]);
    const book = hostArray(normalHost(keyFromSeed(seed + 2), 6 * D), [6, D]);
    const out = await runOnce((zz: Node, vv: Node, bk: Node) => {
      const [, gz] = valueAndGrad((zr: Node) => o.sum(o.mul(q.toDecoder(q.quantize(bk, zr).codes), vv)))(zz);
      const [, gb] = valueAndGrad((br: Node) => o.sum(o.mul(q.toDecoder(q.quantize(br, zz).codes), vv)))(bk);
      return { gz, gb };
    }, [z, v, book], { backend: 'cpu' }) as unknown as Record<string, HostArray>;
    out.gz.data.forEach((gv, k) => close(gv, v.data[k], 1e-6, `d grid / dz at ${k}`));
    assert.ok(out.gb.data.every((x) => x === 0), 'no gradient reaches the codebook through the decoder\'s input');
  }), { numRuns: 20 });
});
