import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { runOnce } from '../../src/compile/compile.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import {
  EVALUATOR_KIND, decodeEvaluatorConfig, decodeEvaluatorFile, evaluatorDefaults, evaluatorNetwork, extractFeatureSet, featureExtractor,
} from '../../src/eval/evaluator/index.ts';
import { classAccuracy, balancedLabels } from '../../src/eval/class-accuracy.ts';
import { gaussianOf } from '../../src/eval/feature-stats.ts';

const small = { ...evaluatorDefaults, width: 4, features: 12 };

test('evaluator config: defaults fill omitted fields; every problem and unknown key is listed', () => {
  const ok = decodeEvaluatorConfig({ width: 4 });
  assert.ok(E.isRight(ok));
  assert.deepEqual(ok.right, { ...evaluatorDefaults, width: 4 });
  const bad = decodeEvaluatorConfig({ size: 28, lr: 0, featrues: 3 });
  assert.ok(E.isLeft(bad));
  const text = bad.left.problems.join('\n');
  assert.match(text, /size \(28\) must be a multiple of 8/);
  assert.match(text, /lr: expected a number in \(0, 10\]/);
  assert.match(text, /featrues: unknown field/);
});

test('the network maps NCHW images to [B, F] non-negative features and [B, classes] logits, and rejects other shapes', async () => {
  const net = evaluatorNetwork(small);
  const params = net.init(keyFromSeed(3));
  const x = hostArray(normalHost(keyFromSeed(4), 3 * 32 * 32), [3, 1, 32, 32]);
  const out = await runOnce((p: never, im: never) => net.apply(p, im), [params, x], { backend: 'cpu' }) as unknown as Record<string, { shape: number[]; data: Float32Array }>;
  assert.deepEqual(out.features!.shape, [3, 12]);
  assert.deepEqual(out.logits!.shape, [3, 10]);
  assert.ok(out.features!.data.every((v) => v >= 0), 'features come after a ReLU');
  await assert.rejects(runOnce((p: never, im: never) => net.apply(p, im), [params, hostArray(new Float32Array(28 * 28), [1, 1, 28, 28])], { backend: 'cpu' }), /images must be float32 \[B, 1, 32, 32\]/);
});

test('checkpoint bytes: a round trip gives the same readout; another kind or a mismatched tensor is named', async () => {
  const net = evaluatorNetwork(small);
  const params = net.init(keyFromSeed(5));
  const bytes = encodeCheckpoint({ kind: EVALUATOR_KIND, trees: { params: params as never }, meta: { config: small } });
  const back = decodeEvaluatorFile(bytes);
  assert.ok(E.isRight(back), E.isLeft(back) ? back.left : '');
  const images = normalHost(keyFromSeed(6), 7 * 32 * 32);
  const read = async (p: unknown) => {
    const ex = featureExtractor(net, p as never, { backend: 'cpu' });
    return extractFeatureSet(ex, images, [1, 32, 32], 3);
  };
  const [a, b] = [await read(params), await read(back.right.params)];
  assert.deepEqual(a.features, b.features);
  assert.equal(a.count, 7);
  assert.deepEqual(gaussianOf(a.stats).mean, gaussianOf(b.stats).mean);
  const wrongKind = decodeEvaluatorFile(encodeCheckpoint({ kind: 'cnn-teacher', trees: { params: params as never }, meta: { config: small } }));
  assert.ok(E.isLeft(wrongKind));
  assert.match(wrongKind.left, /cnn-teacher/);
  const mismatched = decodeEvaluatorFile(encodeCheckpoint({ kind: EVALUATOR_KIND, trees: { params: params as never }, meta: { config: { ...small, features: 13 } } }));
  assert.ok(E.isLeft(mismatched));
  assert.match(mismatched.left, /does not match its configuration/);
});

test('class accuracy counts per class; balanced labels cycle through the classes', () => {
  assert.deepEqual([...balancedLabels(7, 3)], [0, 1, 2, 0, 1, 2, 0]);
  const r = classAccuracy([0, 1, 1, 0, 2, 2], [0, 1, 2, 0, 1, 2], 4);
  assert.equal(r.accuracy, 4 / 6);
  assert.deepEqual(r.perClass.map((c) => c.count), [2, 2, 2, 0]);
  assert.deepEqual(r.perClass.slice(0, 3).map((c) => c.accuracy), [1, 0.5, 0.5]);
  assert.ok(Number.isNaN(r.perClass[3]!.accuracy));
  assert.throws(() => classAccuracy([0], [5], 4), /label 5 at 0 is outside 0..3/);
});
