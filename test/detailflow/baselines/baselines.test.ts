import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { compile } from '../../../src/compile/compile.ts';
import { hostArray } from '../../../src/ir/host-array.ts';
import { useBackend } from '../../../src/compile/backend.ts';
import type { Node } from '../../../src/ir/node.ts';
import type { Params } from '../../../src/nn/module.ts';
import { keyFromSeed, normalHost } from '../../../src/random/key.ts';
import { passPlan, passPlanOf } from '../../../src/detailflow/pass-plan.ts';
import { partitionOf } from '../../../src/detailflow/partition-config.ts';
import { decodeTokenizerConfig, tokenizerDefaults, type TokenizerConfig } from '../../../src/detailflow/tokenizer/config.ts';
import { decodeArConfig } from '../../../src/detailflow/ar/config.ts';
import type { TokenizerParams } from '../../../src/detailflow/tokenizer/model.ts';
import { tokenizer } from '../../../src/detailflow/tokenizer/model.ts';
import {
  budgets, decodeBudget, pickVariants, samplerOf, variantConfigs, variantDelta, variants, varScales,
} from '../../../src/detailflow/baselines/index.ts';

const tiny = {
  codebookSize: 16, codeDim: 4, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, mlpRatio: 1, noiseTopK: 4,
};
const patchConfig = (over: Partial<TokenizerConfig>): TokenizerConfig => {
  const c = decodeTokenizerConfig({ readout: 'patches', degradeProb: 0, selfCorrection: false, alignWeight: 0, ...tiny, ...over });
  assert.ok(E.isRight(c), E.isLeft(c) ? c.left.message : '');
  return c.right;
};
const smallRaster = (): TokenizerConfig => patchConfig({ tokens: 64, group: 1, causal: 1 });
const smallVar = (): TokenizerConfig => patchConfig({ quantizer: 'msvq', tokens: 155, spans: [...varScales.map((s) => s * s)] });

type Out = { host(): Promise<{ shape: number[]; data: ArrayLike<number> }> };

/** Encodes two random images and decodes every t in `prefixes` (all tokens last). */
const roundTrip = async (c: TokenizerConfig, prefixes: readonly number[]) => {
  await useBackend('wasm');
  const tk = tokenizer(c, 1);
  const params = tk.init(keyFromSeed(3));
  const images = hostArray(normalHost(keyFromSeed(4), 2 * 32 * 32).map((v) => Math.tanh(v)), [2, 1, 32, 32]);
  const f = compile((p: Params<TokenizerParams>, x: Node) => {
    const q = tk.encode(p, x);
    return { indices: q.indices, images: prefixes.map((t) => tk.decodeIndices(p, tk.prefix(q.indices, t))) };
  }, { backend: 'wasm' });
  try {
    const out = await f.run(params, images) as unknown as { indices: Out; images: Out[] };
    return { tk, params, indices: await out.indices.host(), images: await Promise.all(out.images.map((o) => o.host())) };
  } finally {
    f.dispose();
  }
};

test('the raster tokenizer (readout patches) turns a 32x32 image into 64 patch tokens and decodes all 64 to 32x32', async () => {
  const { tk, params, indices: idx, images: [img] } = await roundTrip(smallRaster(), [64]);
  assert.deepEqual(Object.keys(params.encoder).sort(), ['patchEmbed', 'patchPos', 'stack', 'toCode'], 'no latent queries, no self-correction projection');
  assert.deepEqual(params.align, [], 'no alignment head');
  assert.equal(tk.config.tokens, 64);
  assert.deepEqual(Array.from({ length: 64 }, (_, i) => tk.decoderSide(i + 1)), new Array(64).fill(32), 'every prefix decodes at full size');
  assert.deepEqual(idx.shape, [2, 64]);
  assert.ok(Array.from(idx.data).every((i) => Number.isInteger(i) && i >= 0 && i < 16));
  assert.deepEqual(img.shape, [2, 1, 32, 32]);
  assert.ok(Array.from(img.data).every(Number.isFinite));
});

test('the next-scale tokenizer (readout patches, msvq) gives 155 tokens in 7 scales; every scale prefix decodes to 32x32 from the 8x8 grid', async () => {
  const ends = varScales.map((_, k) => varScales.slice(0, k + 1).reduce((a, s) => a + s * s, 0));
  assert.deepEqual(ends, [1, 5, 14, 30, 55, 91, 155]);
  const { tk, params, indices: idx, images } = await roundTrip(smallVar(), ends);
  assert.deepEqual((params.decoder.latentPos as { shape: readonly number[] }).shape, [64, 16], 'the decoder reads the 8x8 grid, not 155 rows');
  assert.deepEqual(idx.shape, [2, 155]);
  assert.ok(Array.from(idx.data).every((i) => Number.isInteger(i) && i >= 0 && i < 16));
  assert.equal(tk.quantizer.kind, 'msvq');
  for (const img of images) {
    assert.deepEqual(img.shape, [2, 1, 32, 32]);
    assert.ok(Array.from(img.data).every(Number.isFinite));
  }
  // more scales change the picture: no two consecutive prefixes decode alike
  for (let k = 1; k < images.length; k++) assert.ok(Array.from(images[k].data).some((v, i) => v !== images[k - 1].data[i]), `scale ${k}`);
});

test('the raster variant is sampled token by token in 64 passes; DetailFlow rows in groups', () => {
  const raster = variants.find((v) => v.name === 'raster')!;
  const c = variantConfigs(budgets.small, raster);
  assert.ok(E.isRight(c));
  assert.equal(c.right.tokenizer.tokens, 64);
  assert.equal(passPlan(c.right.ar).length, 64);
  assert.equal(samplerOf(raster), 'token-by-token');
  const base = variantConfigs(budgets.small, variants[0]);
  assert.ok(E.isRight(base));
  assert.equal(passPlan(base.right.ar).length, 1 + (tokenizerDefaults.causal - 1) + (tokenizerDefaults.tokens - tokenizerDefaults.causal) / tokenizerDefaults.group);
  assert.equal(samplerOf(variants[0]), 'grouped');
});

test('the var variant: 155 tokens in 7 passes, one per scale, with the grouped sampler', () => {
  const v = variants.find((x) => x.name === 'var')!;
  const c = variantConfigs(budgets.small, v);
  assert.ok(E.isRight(c), E.isLeft(c) ? c.left.message : '');
  assert.equal(c.right.tokenizer.tokens, 155);
  assert.equal(c.right.tokenizer.quantizer, 'msvq');
  assert.equal(c.right.tokenizer.readout, 'patches');
  assert.deepEqual(c.right.ar.spans, [1, 4, 9, 16, 25, 36, 64]);
  assert.equal(c.right.ar.inputs, 'scales', 'each scale holds the previous one upsampled');
  assert.deepEqual(passPlanOf(partitionOf(c.right.ar)).map((p) => p.end - p.start), [1, 4, 9, 16, 25, 36, 64]);
  assert.equal(samplerOf(v), 'grouped');
});

test('a DetailFlow configuration with readout patches is refused, every reason listed', () => {
  const r = decodeTokenizerConfig({ ...tokenizerDefaults, readout: 'patches' });
  assert.ok(E.isLeft(r));
  const text = r.left.problems.join('\n');
  for (const re of [/tokens must be the patch count \(size \/ patch\)\^2 = 64/, /selfCorrection must be false/, /alignWeight must be 0/, /degradeProb must be 0/]) assert.match(text, re);
  assert.equal(r.left.problems.length, 4, text);
  // a 2D tokenizer's parameters have no latent queries: self-correction's encoder refuses them by name
  const tk = tokenizer(smallRaster(), 1);
  const p = tk.init(keyFromSeed(0));
  assert.throws(() => tokenizer({ ...smallRaster(), readout: 'latents' }, 1).encode(p as never, undefined as never), /no latent queries/);
});

test('msvq is refused with a latent readout, spans that are not squares, or a last scale that is not the patch grid', () => {
  const msvq = { ...tiny, quantizer: 'msvq', readout: 'patches', degradeProb: 0, selfCorrection: false, alignWeight: 0 };
  const problems = (u: object): string => {
    const r = decodeTokenizerConfig(u);
    assert.ok(E.isLeft(r), JSON.stringify(u));
    return r.left.problems.join('\n');
  };
  assert.match(problems({ ...msvq, readout: 'latents', tokens: 155, spans: [1, 4, 9, 16, 25, 36, 64] }), /readout must be 'patches', got 'latents'/);
  assert.match(problems({ ...msvq, tokens: 152, spans: [1, 2, 4, 16, 25, 40, 64] }), /span 1 has 2 tokens, not a square/);
  assert.match(problems({ ...msvq, tokens: 91, spans: [1, 4, 9, 16, 25, 36] }), /last span has 36 tokens; .* 8 x 8 patch grid, 64 tokens/);
  assert.match(problems({ ...msvq, tokens: 64 }), /quantizer msvq needs spans/);
  assert.match(problems({ ...tiny, quantizer: 'rvq' }), /one of vq, fsq, msvq/);
});

for (const budget of [budgets.smoke, budgets.small]) {
  test(`under the ${budget.name} budget each variant differs from the base only in its stated fields`, () => {
    const base = variantConfigs(budget, variants[0]);
    assert.ok(E.isRight(base));
    for (const v of variants.slice(1)) {
      const c = variantConfigs(budget, v);
      assert.ok(E.isRight(c), v.name);
      const t = c.right.tokenizer as unknown as Record<string, unknown>;
      const b = base.right.tokenizer as unknown as Record<string, unknown>;
      const changed = Object.keys(t).filter((k) => t[k] !== b[k]).sort();
      // the row's stated fields: its partition and quantiser values as configuration fields, and its delta
      const delta = variantDelta(budget, v) as Record<string, unknown>;
      const stated = Object.keys(delta).filter((k) => delta[k] !== b[k]).sort();
      // training fields too (no-gan): the same rule for the tokenizer's training configuration
      const tt = c.right.tokenizerTrain as unknown as Record<string, unknown>;
      const bt = base.right.tokenizerTrain as unknown as Record<string, unknown>;
      const trainChanged = Object.keys(tt).filter((k) => tt[k] !== bt[k]).sort();
      const trainStated = Object.keys(v.trainDelta).filter((k) => (v.trainDelta as Record<string, unknown>)[k] !== bt[k]).sort();
      assert.ok(stated.length + trainStated.length > 0, `${v.name} changes nothing`);
      assert.deepEqual(changed, stated, v.name);
      assert.deepEqual(trainChanged, trainStated, `${v.name}: training`);
      for (const [k, val] of Object.entries(delta)) assert.deepEqual(t[k], val, `${v.name}.${k}`);
      // the AR model follows the tokenizer's codebook, N, g, C, partition and is otherwise the base's
      const a = c.right.ar as unknown as Record<string, unknown>;
      const ab = base.right.ar as unknown as Record<string, unknown>;
      const arChanged = Object.keys(a).filter((k) => a[k] !== ab[k]);
      const arStated = Object.keys(v.arDelta);
      assert.ok(arChanged.every((k) => ['vocab', 'tokens', 'group', 'causal', 'spans', ...arStated].includes(k)), `${v.name}: AR ${arChanged.join(', ')}`);
      for (const [k, val] of Object.entries(v.arDelta)) assert.deepEqual(a[k], val, `${v.name}: ar.${k}`);
      assert.deepEqual([a.vocab, a.tokens, a.group, a.causal, a.spans], [t.codebookSize, t.tokens, t.group, t.causal, t.spans]);
      assert.deepEqual(c.right.arTrain, base.right.arTrain);
    }
  });
}

test('budgets decode, and a typo in a nested configuration is reported with its path', () => {
  for (const b of Object.values(budgets)) assert.ok(E.isRight(decodeBudget(b)), b.name);
  const bad = decodeBudget({ ...budgets.smoke, tokenizer: { encoderWidht: 8 }, arTrain: { steps: 0 }, samples: 1 });
  assert.ok(E.isLeft(bad));
  const text = bad.left.problems.join('\n');
  assert.match(text, /samples/);
  const nested = decodeBudget({ ...budgets.smoke, tokenizer: { encoderWidht: 8 }, arTrain: { steps: 0 } });
  assert.ok(E.isLeft(nested));
  assert.match(nested.left.problems.join('\n'), /tokenizer\.encoderWidht: unknown field/);
  assert.match(nested.left.problems.join('\n'), /arTrain\..*steps/);
  // a misspelled top-level key of a --budget file is refused too, with the known keys listed
  const top = decodeBudget({ ...budgets.smoke, arTrian: { steps: 3 } });
  assert.ok(E.isLeft(top) && /arTrian: unknown field \(known: name, tokenizer, tokenizerTrain, ar, arTrain,/.test(top.left.message));
  assert.ok(E.isRight(decodeArConfig({})));
});

test('pickVariants keeps the order asked for and names unknown ones', () => {
  assert.deepEqual(pickVariants(['alpha2', 'raster']).variants.map((v) => v.name), ['alpha2', 'raster']);
  assert.deepEqual(pickVariants(['raster', 'nope']).unknown, ['nope']);
});
