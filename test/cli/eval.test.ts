import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { loadEvaluator } from '../../src/cli/evaluator-file.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { fashionMnistDefaultDir } from '../../src/data/fashion-mnist.ts';
import { loadIdxDataset } from '../../src/platform/load-dataset.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { classAccuracy } from '../../src/eval/class-accuracy.ts';
import { extractFeatureSet, featureExtractor } from '../../src/eval/evaluator/features.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const TOKENIZER = 'models/tokenizer.safetensors';
const EVALUATOR = 'models/evaluator.safetensors';
// measured 90.7% on the first 2000 test images (90.24% on all 10000); the floor leaves room for backend rounding
const ACCURACY_FLOOR = 0.88;

let dir = '';
let arFile = '';

before(async () => {
  dir = await tempDir('eval');
  // an untrained AR model shaped for the shipped tokenizer: its samples are noise, which gFD must see
  const cfg = decodeArConfig({ width: 16, depth: 1, heads: 2, mlpHidden: 32, headInitStd: 0.02 });
  assert.ok(E.isRight(cfg));
  arFile = path.join(dir, 'ar.safetensors');
  await writeFile(arFile, encodeCheckpoint({ kind: 'detailflow-ar', trees: { ema: arModel(cfg.right).init(keyFromSeed(9)) as never }, meta: { config: cfg.right } }));
});

const run = async (argv: string[]) => {
  const io = memoryIO();
  const code = await dispatch(argv, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
};

test(`the shipped evaluator classifies the first 2000 test images with accuracy above ${ACCURACY_FLOOR * 100}%`, async () => {
  const { net, params } = await loadEvaluator(EVALUATOR);
  const test = await loadIdxDataset(fashionMnistDefaultDir, 'test');
  assert.ok(E.isRight(test));
  const n = 2000;
  const ex = featureExtractor(net, params, { backend: 'wasm' });
  const set = await extractFeatureSet(ex, test.right.images.subarray(0, n * 32 * 32), [1, 32, 32], 250);
  const acc = classAccuracy(set.predictions, test.right.labels.subarray(0, n), 10);
  assert.ok(acc.accuracy > ACCURACY_FLOOR, `accuracy ${acc.accuracy}`);
  assert.ok(acc.perClass.every((c) => c.accuracy > 0.5), `a class is mostly missed: ${acc.perClass.map((c) => c.accuracy.toFixed(2))}`);
});

test('eval scores the shipped tokenizer and an AR checkpoint on a tiny limit, each figure with its image count', async () => {
  const r = await run(['eval', '--tokenizer', TOKENIZER, '--ar', arFile, '--limit', '12', '--samples', '10', '--batch', '6', '--backend', 'wasm', '--precision-recall', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.reconstruction.images, 12);
  assert.equal(j.generation.samples, 10);
  assert.equal(j.generation.reference, 12);
  assert.deepEqual(j.generation.samplesPerClass, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  assert.ok(j.reconstruction.psnr > 12, `PSNR ${j.reconstruction.psnr}`);
  assert.ok(Number.isFinite(j.reconstruction.rfd) && j.reconstruction.rfd >= 0);
  assert.ok(j.generation.gfd > 1.5 * j.reconstruction.rfd, `an untrained AR model's noise (gFD ${j.generation.gfd}) should be far from the data, farther than reconstructions (rFD ${j.reconstruction.rfd})`);
  // the floor: real against real at the same count, below what an untrained AR model reaches
  assert.equal(j.floor.images, 12);
  assert.ok(Number.isFinite(j.floor.fd) && j.floor.fd >= 0 && j.floor.fd < j.generation.gfd, `floor FD ${j.floor.fd}, gFD ${j.generation.gfd}`);
  assert.deepEqual([j.generation.precisionRecall.k, j.generation.precisionRecall.generated, j.generation.precisionRecall.real], [3, 10, 12]);
  // the text form, same seed: the same figures, each stating its sample count
  const t = await run(['eval', '--tokenizer', TOKENIZER, '--limit', '12', '--batch', '6', '--backend', 'wasm']);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, new RegExp(`rFD ${j.reconstruction.rfd.toFixed(3)} \\(12 reconstructions vs 12 originals\\)`));
  assert.match(t.out, /PSNR [\d.]+ dB \(mean of 12\), [\d.]+ ms per image/);
  assert.match(t.out, /accurate on the 12 test images/);
  assert.match(t.out, new RegExp(`floor of the metric: FD ${j.floor.fd.toFixed(3)} between 12 training images and the 12 test images`));
  assert.doesNotMatch(t.out, /gFD/);
});

test('eval without an evaluator file exits 1 saying how to make one; bad flags exit 2 naming each', async () => {
  const missing = await run(['eval', '--tokenizer', TOKENIZER, '--evaluator', path.join(dir, 'none.safetensors'), '--limit', '4']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /none\.safetensors/);
  assert.match(missing.err, /train-evaluator/);
  const bad = await run(['eval', '--limit', '0', '--cfg', '1.5', '--samples', '3', '--precision-recall', '--frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown flag --frobnicate/);
  // a tokenizer of one's own without --ar: reconstruction only, so sampling flags are problems
  const bad2 = await run(['eval', '--tokenizer', TOKENIZER, '--limit', '0', '--cfg', '1.5', '--samples', '3', '--precision-recall']);
  assert.equal(bad2.code, 2);
  for (const p of [/--limit: expected an integer >= 4, got 0/, /--samples: expected an integer >= 4, got 3/, /--cfg needs --ar/, /--samples needs --ar/]) assert.match(bad2.err, p);
});
