import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { compile } from '../../../src/compile/compile.ts';
import { hostArray } from '../../../src/ir/host-array.ts';
import { useBackend } from '../../../src/compile/backend.ts';
import type { Node } from '../../../src/ir/node.ts';
import type { Params } from '../../../src/nn/module.ts';
import { keyFromSeed, normalHost } from '../../../src/random/key.ts';
import { passPlan } from '../../../src/detailflow/pass-plan.ts';
import { decodeTokenizerConfig, tokenizerDefaults, type TokenizerConfig } from '../../../src/detailflow/tokenizer/config.ts';
import { decodeArConfig } from '../../../src/detailflow/ar/config.ts';
import type { TokenizerParams } from '../../../src/detailflow/tokenizer/model.ts';
import {
  budgets, decodeBudget, pickVariants, rasterProblems, rasterTokenizer, samplerOf, variantConfigs, variantDelta, variants,
} from '../../../src/detailflow/baselines/index.ts';

const smallRaster = (): TokenizerConfig => {
  const c = decodeTokenizerConfig({
    tokens: 64, group: 1, causal: 1, degradeProb: 0, selfCorrection: false, alignWeight: 0,
    codebookSize: 16, codeDim: 4, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2, decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, mlpRatio: 1, noiseTopK: 4,
  });
  assert.ok(E.isRight(c));
  return c.right;
};

test('the raster tokenizer turns a 32x32 image into 64 patch tokens and decodes all 64 to 32x32', async () => {
  await useBackend('wasm');
  const tk = rasterTokenizer(smallRaster(), 1);
  const params = tk.init(keyFromSeed(3));
  assert.deepEqual(Object.keys(params.encoder).sort(), ['patchEmbed', 'patchPos', 'stack', 'toCode'], 'no latent queries, no self-correction projection');
  assert.equal(tk.config.tokens, 64);
  assert.deepEqual(Array.from({ length: 64 }, (_, i) => tk.decoderSide(i + 1)), new Array(64).fill(32), 'every prefix decodes at full size');
  const images = hostArray(normalHost(keyFromSeed(4), 2 * 32 * 32).map((v) => Math.tanh(v)), [2, 1, 32, 32]);
  const f = compile((p: Params<TokenizerParams>, x: Node) => {
    const q = tk.encode(p, x);
    return { indices: q.indices, images: tk.decodeIndices(p, q.indices) };
  }, { backend: 'wasm' });
  try {
    const out = await f.run(params, images) as unknown as { indices: { host(): Promise<{ shape: number[]; data: ArrayLike<number> }> }; images: { host(): Promise<{ shape: number[]; data: ArrayLike<number> }> } };
    const [idx, img] = [await out.indices.host(), await out.images.host()];
    assert.deepEqual(idx.shape, [2, 64]);
    assert.ok(Array.from(idx.data).every((i) => Number.isInteger(i) && i >= 0 && i < 16));
    assert.deepEqual(img.shape, [2, 1, 32, 32]);
    assert.ok(Array.from(img.data).every(Number.isFinite));
  } finally {
    f.dispose();
  }
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

test('a DetailFlow configuration is refused as a raster tokenizer, every reason listed', () => {
  const problems = rasterProblems(tokenizerDefaults);
  assert.equal(problems.length, 4, problems.join('; '));
  assert.throws(() => rasterTokenizer(tokenizerDefaults, 1), /tokens must be the patch count/);
  assert.throws(() => rasterTokenizer(smallRaster(), 1).encoder.refine(undefined as never, undefined as never), /no latent queries/);
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
      assert.ok(arChanged.every((k) => ['vocab', 'tokens', 'group', 'causal', 'spans'].includes(k)), `${v.name}: AR ${arChanged.join(', ')}`);
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
