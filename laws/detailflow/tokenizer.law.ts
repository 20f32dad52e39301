import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { compile, toHost } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { valueAndGrad } from '../../src/transforms/grad.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { l2Normalize, nearNeighbourNoise, quantize } from '../../src/detailflow/tokenizer/quantizers/l2-vq.ts';
import { ready } from '../helpers/backends.ts';

const tiny = (() => {
  const r = decodeTokenizerConfig({ size: 16, patch: 4, tokens: 8, group: 2, causal: 2, codebookSize: 32, encoderWidth: 16, encoderDepth: 2, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8 });
  if (E.isLeft(r)) throw r.left;
  return r.right;
})();
const tk = tokenizer(tiny, 4);
const params = tk.init(keyFromSeed(3));
const images = (seed: number, b = 2): HostArray => hostArray(normalHost(keyFromSeed(seed), b * 16 * 16).map(Math.tanh), [b, 1, 16, 16]);

test('the encoder mask isolates groups: later latent queries do not change earlier latents', async () => {
  await ready('cpu');
  const f = compile((p: never, x: Node, lat: Node) => tk.encoder.apply((p as { encoder: never }).encoder, x, lat), { backend: 'cpu' });
  await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.nat(1000), async (group, seed) => {
    const base = normalHost(keyFromSeed(seed), 8 * 16);
    const noise = normalHost(keyFromSeed(seed + 1), 8 * 16);
    const bumped = base.slice();
    // perturb every latent of later groups (randomly: a uniform shift would vanish in the LayerNorms)
    for (let i = (group + 1) * 2 * 16; i < 8 * 16; i++) bumped[i] += noise[i];
    const x = images(seed);
    const a = (await toHost(await f.run(params, x, hostArray(base, [1, 8, 16])))) as HostArray;
    const b = (await toHost(await f.run(params, x, hostArray(bumped, [1, 8, 16])))) as HostArray;
    const upto = (group + 1) * 2 * tiny.codeDim;
    for (let img = 0; img < 2; img++) {
      for (let i = 0; i < upto; i++) {
        const j = img * 8 * tiny.codeDim + i;
        assert.ok(Math.abs(a.data[j] - b.data[j]) < 1e-5, `latent ${Math.floor(i / tiny.codeDim)} changed`);
      }
    }
    // and the perturbation does reach later groups (the test can fail)
    if (group < 3) assert.ok(Array.from(a.data).some((v, j) => Math.abs(v - b.data[j]) > 1e-4), 'the perturbation changed nothing');
  }), { numRuns: 8 });
});

test('the decoder output with t tokens does not depend on tokens from t on', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 16, maxLength: 16 }), async (t, ids) => {
    const f = compile((p: never, idx: Node) => tk.decodeIndices(p, o.sliceAxis(idx, 1, 0, t)), { backend: 'cpu' });
    const a = Int32Array.from(ids);
    const b = a.slice();
    for (let i = t; i < 8; i++) { b[i] = (b[i] + 5) % 32; b[8 + i] = (b[8 + i] + 7) % 32; }
    const ya = (await toHost(await f.run(params, hostArray(a, [2, 8])))) as HostArray;
    const yb = (await toHost(await f.run(params, hostArray(b, [2, 8])))) as HostArray;
    assert.deepEqual(Array.from(ya.data), Array.from(yb.data));
    assert.equal(ya.shape[2], tk.decoderSide(t));
  }), { numRuns: 10 });
});

test('quantised codes are unit vectors equal to codebook rows, and take the gradient of the normalised z', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(fc.nat(1000), async (seed) => {
    const z = hostArray(normalHost(keyFromSeed(seed), 5 * 8), [5, 8]);
    const book = hostArray(normalHost(keyFromSeed(seed + 1), 16 * 8), [16, 8]);
    const v = hostArray(normalHost(keyFromSeed(seed + 2), 5 * 8), [5, 8]);
    const out = (await toHost(await compile((zz: Node, bk: Node, vv: Node) => {
      const q = quantize(bk, zz);
      const [, g] = valueAndGrad((zr: Node) => o.sum(o.mul(quantize(bk, zr).codes, vv)))(zz);
      const [, gz] = valueAndGrad((zr: Node) => o.sum(o.mul(l2Normalize(zr), vv)))(zz);
      return { codes: q.codes, rows: o.gather(l2Normalize(bk), q.indices), g, gz };
    }, { backend: 'cpu' }).run(z, book, v))) as Record<string, HostArray>;
    for (let r = 0; r < 5; r++) {
      const row = Array.from(out.codes.data.slice(r * 8, r * 8 + 8));
      assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5, `code ${r} has norm ${Math.hypot(...row)}`);
    }
    out.codes.data.forEach((c, i) => assert.ok(Math.abs(c - out.rows.data[i]) < 1e-6, 'forward value is not the codebook row'));
    // straight-through: the codes pass the gradient to z as if they were the normalised z itself
    out.g.data.forEach((gv, i) => assert.ok(Math.abs(gv - out.gz.data[i]) < 1e-5, 'gradient differs from the identity through z'));
  }), { numRuns: 10 });
});

test('self-correction noise is one of the k nearest codes', async () => {
  await ready('cpu');
  await fc.assert(fc.asyncProperty(fc.nat(1000), fc.integer({ min: 1, max: 6 }), async (seed, k) => {
    const z = hostArray(normalHost(keyFromSeed(seed), 6 * 4), [6, 4]);
    const book = hostArray(normalHost(keyFromSeed(seed + 1), 12 * 4), [12, 4]);
    const out = (await toHost(await compile((zz: Node, bk: Node, key: Node) => {
      const q = quantize(bk, zz);
      return { noisy: nearNeighbourNoise(bk, q.similarity, k, key).indices, sim: q.similarity };
    }, { backend: 'cpu' }).run(z, book, keyFromSeed(seed + 2)))) as Record<string, HostArray>;
    for (let r = 0; r < 6; r++) {
      const sims = Array.from(out.sim.data.slice(r * 12, r * 12 + 12));
      const rank = sims.filter((s) => s > sims[out.noisy.data[r]]).length;
      assert.ok(rank < k, `token ${r}: code of rank ${rank} is not among the ${k} nearest`);
    }
  }), { numRuns: 15 });
});
