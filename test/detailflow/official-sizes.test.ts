// The official models at other sizes than the fixtures': patch 16, g = 8, N = 128, 1000 classes,
// head sizes 72 (encoder, as so400m) and 64 (decoder, GPT-L). A torch.save file with random
// weights under the official names imports, round-trips, runs at every decoder size, and the
// project's cached sampler agrees with the official uncached pass order token for token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { useBackend } from '../../src/compile/backend.ts';
import { runOnce } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { sliceAxis } from '../../src/ops/index.ts';
import { bytesSource, readTorchCheckpoint, stateDictOf, writeTorchSave, type TensorToWrite } from '../../src/io/pytorch/index.ts';
import { arConfigOfGpt, type OfficialTokenizerConfig } from '../../src/detailflow/official/config.ts';
import { droppedTokenizerKeys, gptKeys, tokenizerKeys, type KeyEntry } from '../../src/detailflow/official/keys.ts';
import { exportOfficial, importGpt, importTokenizer } from '../../src/detailflow/official/import.ts';
import { checkpointSource, storedSource } from '../../src/detailflow/official/sources.ts';
import { officialTokenizer } from '../../src/detailflow/official/tokenizer.ts';
import { generateGreedy } from '../../src/detailflow/official/ar-reference.ts';
import { sampleGrouped } from '../../src/detailflow/sample/sampler.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';

const cfg: OfficialTokenizerConfig = {
  imageSize: 64, patch: 16, tokens: 128, group: 8, causal: 8, codebookSize: 64, codeDim: 8, alpha: 1.5, eps: 1e-6,
  encoder: { width: 144, depth: 2, heads: 2, mlpWidth: 200, grid: 4 },
  decoder: { width: 128, depth: 1, heads: 2, mlpWidth: 256, grid: 4 },
};

/** A torch.save file of the entries with seeded N(0, 1/fan-in) weights, plus extra keys to drop. */
const torchFile = (entries: readonly KeyEntry[], extra: TensorToWrite[] = [], keys = ['model']): Uint8Array => {
  const tensors: TensorToWrite[] = [...entries.map((e, i) => ({
    name: e.key, shape: e.shape, dtype: 'float32' as const,
    values: () => { const n = e.shape.reduce((a, d) => a * d, 1); const s = e.shape.length === 2 ? 1 / Math.sqrt(e.shape[1]) : 0.5; return Float32Array.from(normalHost(keyFromSeed(i + 1), n), (x) => x * s); },
  })), ...extra];
  const chunks: Uint8Array[] = [];
  const n = writeTorchSave(Object.fromEntries(keys.map((k) => [k, tensors])), (b) => chunks.push(b.slice()));
  const out = new Uint8Array(n);
  chunks.reduce((at, c) => { out.set(c, at); return at + c.length; }, 0);
  return out;
};
const source = (bytes: Uint8Array, key: string) =>
  checkpointSource(E.getOrElseW((e: Error) => { throw e; })(E.chain((c: Parameters<typeof stateDictOf>[0]) => stateDictOf(c, key))(readTorchCheckpoint(bytesSource(bytes)))));

test('a patch-16, g = 8, N = 128 tokenizer with 72-wide heads imports, round-trips and decodes at every size', async () => {
  await useBackend('cpu');
  const repa: TensorToWrite = { name: 'repa_model.visual_model.post_layernorm.weight', shape: [1152], dtype: 'float32', values: () => new Float32Array(1152) };
  const file = torchFile(tokenizerKeys(cfg), [repa]);
  const m = importTokenizer(source(file, 'model'), { image_size: 64, group_size: 8 }, { encoderHeads: 2, decoderHeads: 2 });
  assert.ok(E.isRight(m), E.isLeft(m) ? m.left.join('\n') : '');
  assert.deepEqual(m.right.config, cfg);
  assert.deepEqual(m.right.dropped.map((d) => d.why), [droppedTokenizerKeys[0].why]);
  const back = exportOfficial(tokenizerKeys(cfg), m.right.params);
  const again = importTokenizer(storedSource(new Map(Object.entries(back))), { image_size: 64, group_size: 8 }, { encoderHeads: 2, decoderHeads: 2 });
  assert.ok(E.isRight(again));
  assert.deepEqual(again.right.params, m.right.params);
  const tk = officialTokenizer(cfg);
  const images = hostArray(Float32Array.from({ length: 2 * 3 * 64 * 64 }, (_, i) => Math.sin(i / 7)), [2, 3, 64, 64]);
  const ts = [1, 8, 16, 64, 128];
  const out = await runOnce((p: never, x: Node) => {
    const r = tk.encodeImages(p, x);
    return { codes: r.codes, recons: ts.map((t) => tk.decodeCodes(p, sliceAxis(r.codes, 1, 0, t), tk.decoderSide(t))) };
  }, [m.right.params, images], { backend: 'cpu' }) as { codes: HostArray; recons: HostArray[] };
  assert.deepEqual(out.codes.shape, [2, 128]);
  assert.ok(Array.from(out.codes.data).every((c) => c >= 0 && c < 64));
  assert.deepEqual(out.recons.map((r) => r.shape[2]), ts.map((t) => tk.decoderSide(t)));
  assert.deepEqual(ts.map((t) => tk.decoderSide(t)), [16, 16, 16, 48, 64]);
  assert.ok(out.recons.every((r) => Array.from(r.data).every(Number.isFinite)));
});

test('a g = 8, N = 128, 1000-class GPT with 64-wide heads: the cached sampler equals the official pass order', async () => {
  await useBackend('cpu');
  const c = E.getOrElseW((e: string[]) => { throw new Error(e.join()); })(arConfigOfGpt({ dim: 128, n_layer: 2, n_head: 2, vocab_size: 64, block_size: 128, num_classes: 1000, group_size: 8 }));
  const file = torchFile(gptKeys(c), [], ['model', 'ema']);
  const m = importGpt(source(file, 'ema'), {}, { tokens: 128 });
  assert.ok(E.isRight(m), E.isLeft(m) ? m.left.join('\n') : '');
  assert.equal(m.right.config.heads, 2);
  assert.equal(m.right.config.group, 8);
  assert.equal(m.right.config.classes, 1000);
  const official = await generateGreedy(m.right.config, m.right.params, [3, 999], 2, 'cpu');
  const ours = await sampleGrouped(m.right.config, m.right.params, [3, 999], keyFromSeed(0), { cfg: 2, temperature: 0 }, { backend: 'cpu' });
  assert.equal(ours.passes, 23);
  assert.deepEqual(Array.from(ours.tokens.data), Array.from(official.tokens));
});
