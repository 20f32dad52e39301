import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { runOnce } from '../../src/compile/compile.ts';
import { degradeReferenceHost } from '../../src/detailflow/degradation.ts';
import { hostImage } from '../../src/detailflow/host-image.ts';
import { vqMixWeights } from '../../src/detailflow/noise-span.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { tokenizerLoss } from '../../src/detailflow/tokenizer/objective.ts';
import { selfCorrect } from '../../src/detailflow/tokenizer/self-correction.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { concat, reshape, sliceAxis } from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { ready } from '../helpers/backends.ts';

// Reference 4.3: L = L_clean * N/(2N - e) + L_pass2 * (N - e)/(2N - e), token-count weighted:
// the clean pass counts N tokens, the second pass the N - e from e on.
test('VQ mix weights: N = 32, e = 8 gives 32/56 for the clean pass and 24/56 for the re-encode', () => {
  const [clean, pass2] = vqMixWeights(32, 8);
  assert.equal(clean, 32 / 56);
  assert.equal(pass2, 24 / 56);
  assert.deepEqual(vqMixWeights(128, 0), [0.5, 0.5]);
  fc.assert(fc.property(fc.integer({ min: 1, max: 512 }), fc.nat(), (N, k) => {
    const e = k % (N + 1);
    const [w0, w1] = vqMixWeights(N, e);
    // each pass's weight is its share of the counted tokens
    assert.ok(Math.abs(w0 - N / (N + (N - e))) < 1e-15 && Math.abs(w1 - (N - e) / (N + (N - e))) < 1e-15, `N = ${N}, e = ${e}`);
  }), { numRuns: 200 });
});

const cfg = (() => {
  const r = decodeTokenizerConfig({
    size: 16, patch: 4, tokens: 8, group: 2, causal: 2, codebookSize: 16, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2,
    decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8, vqWeight: 0.7, commitBeta: 0.25, alignWeight: 0.6,
  });
  if (E.isLeft(r)) throw r.left;
  return r.right;
})();

/** Sum of squared distances from each unit row of z [rows, D] to its nearest unit code, per row (float64). */
const vqRows = (z: HostArray, book: Float64Array, V: number, D: number): number[] =>
  Array.from({ length: z.data.length / D }, (_, r) => {
    const row = Array.from(z.data.slice(r * D, r * D + D));
    let best = -Infinity;
    let at = 0;
    for (let c = 0; c < V; c++) {
      const s = row.reduce((a, v, j) => a + v * book[c * D + j], 0);
      if (s > best) { best = s; at = c; }
    }
    return row.reduce((a, v, j) => a + (book[at * D + j] - v) ** 2, 0);
  });

test('one whole tokenizer loss (t = 6, span [2, 4), alignment on) equals its terms computed from the reference definitions', async () => {
  await ready('cpu');
  const tk = tokenizer(cfg, 4);
  const params = tk.init(keyFromSeed(11));
  const [B, N, D, V, t, s, e] = [2, cfg.tokens, cfg.codeDim, cfg.codebookSize, 6, 2, 4];
  const images = hostArray(normalHost(keyFromSeed(12), B * 16 * 16).map(Math.tanh), [B, 1, 16, 16]);
  const span = new Float32Array(3 * N);
  for (let i = 0; i < N; i++) span[(i < s ? 0 : i < e ? 1 : 2) * N + i] = 1;
  const mix = hostArray(Float32Array.of(N / (2 * N - e), (N - e) / (2 * N - e)), [2]);
  const teacher = hostArray(normalHost(keyFromSeed(14), B * 4), [B, 4]);
  const out = await runOnce((p: never, x: Node, sp: Node, m: Node, key: Node, tp: Node) => {
    const terms = tokenizerLoss(tk, t)(p, { images: x, span: sp, mix: m, noiseKey: key, teacherPooled: tp });
    // the same passes again (content-hashed nodes: the same graph), to read their intermediates
    const clean = tk.encode(p, x);
    const fixed = selfCorrect(tk, p, x, clean, sp, key);
    const recon = tk.decodeCodes(p, tk.prefix(concat([clean.codes, fixed.codes], 0), t));
    const student = tk.align.apply((p as { align: never }).align, reshape(sliceAxis(clean.codes, 1, 0, 1), [B, D]));
    return { ...terms, z1: clean.z, z2: fixed.second.z, recon, student };
  }, [params, images, hostArray(span, [3, N]), mix, keyFromSeed(13), teacher], { backend: 'cpu' }) as unknown as Record<string, HostArray>;

  // the codebook as the quantiser sees it: unit rows
  const raw = params.codebook.data;
  const book = Float64Array.from(raw, (v, k) => {
    const r = Math.floor(k / D);
    return v / Math.sqrt(Array.from(raw.slice(r * D, r * D + D)).reduce((a, x) => a + x * x, 0));
  });
  // section 1.3: mean over batch x tokens x D; section 4.2: the second pass counts positions >= e only
  const clean = vqRows(out.z1, book, V, D).reduce((a, b) => a + b, 0) / (B * N * D);
  const pass2Rows = vqRows(out.z2, book, V, D);
  const pass2 = pass2Rows.filter((_, r) => r % N >= e).reduce((a, b) => a + b, 0) / (B * (N - e) * D);
  const vq = clean * N / (2 * N - e) + pass2 * (N - e) / (2 * N - e);
  // section 3: the target is area to R(t) then bicubic to dec(t), duplicated for the corrected half
  const side = tk.decoderSide(t);
  const targets = Array.from({ length: B }, (_, b) =>
    degradeReferenceHost(tk.resolutionMap, cfg.patch, hostImage(images.data.slice(b * 256, (b + 1) * 256) as Float32Array, 1, 16, 16), t).data);
  const target = [...targets, ...targets].flatMap((d) => Array.from(d));
  assert.equal(out.recon.data.length, target.length, `recon is [2B, 1, ${side}, ${side}]`);
  const mse = target.reduce((a, v, k) => a + (out.recon.data[k] - v) ** 2, 0) / target.length;
  // section 5.1: minus the mean cosine of the projected first clean token and the pooled teacher features
  const cos = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    const dot = Array.from(a).reduce((acc, v, j) => acc + v * b[j], 0);
    return dot / Math.hypot(...Array.from(a)) / Math.hypot(...Array.from(b));
  };
  const F = 4;
  const align = -Array.from({ length: B }, (_, b) => cos(out.student.data.slice(b * F, b * F + F), teacher.data.slice(b * F, b * F + F))).reduce((a, v) => a + v, 0) / B;
  const total = mse + cfg.vqWeight * vq + cfg.commitBeta * vq + cfg.alignWeight * align;

  assert.ok(Math.abs(clean - pass2) > 1e-3 * (clean + pass2), 'the two passes differ (so swapped weights would show)');
  const close = (name: string, got: number, want: number) =>
    assert.ok(Math.abs(got - want) <= 1e-5 * Math.abs(want) + 1e-7, `${name}: ${got}, from the definitions ${want}`);
  close('mse', out.mse.data[0], mse);
  close('vq', out.vq.data[0], vq);
  close('commit', out.commit.data[0], vq);
  close('align', out.align.data[0], align);
  close('total', out.total.data[0], total);
});
