// A compare row frees what it compiled when it is done: withCompileScope around training
// (tokenizer steps per prefix, the codes, AR steps) and around scoring (reconstruction, generation,
// the speed check) releases every ONNX session built inside, so row after row does not pile up
// native memory, and the model and evaluation code frees nothing itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyFromSeed } from '../../src/random/key.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { onnxEngine, registerOnnxEngine } from '../../src/compile/onnx/engine.ts';
import { withCompileScope } from '../../src/compile/compile.ts';
import { budgets } from '../../src/detailflow/baselines/budget.ts';
import { pickVariants } from '../../src/detailflow/baselines/variants.ts';
import { trainVariant } from '../../src/detailflow/baselines/train-variant.ts';
import { scoreVariant } from '../../src/experiments/score-variant.ts';
import { extractFeatureSet, type FeatureExtractor } from '../../src/eval/evaluator/features.ts';
import { ready } from '../../laws/helpers/backends.ts';

// host features (mean and spread of each image) and a class by brightness: enough for FD to be computed
const hostFeatures: FeatureExtractor = {
  featureDim: 2,
  run: async (images) => {
    const [b] = images.shape;
    const per = images.data.length / b;
    const features = new Float32Array(2 * b);
    const predictions = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const x = images.data.subarray(i * per, (i + 1) * per) as Float32Array;
      const mean = x.reduce((a, v) => a + v, 0) / per;
      features[2 * i] = mean;
      features[2 * i + 1] = Math.sqrt(x.reduce((a, v) => a + (v - mean) ** 2, 0) / per);
      predictions[i] = mean > 0 ? 1 : 0;
    }
    return { features, predictions };
  },
};

test('on onnx-cpu a compare row in compile scopes leaves no ONNX session open', async () => {
  await ready('onnx-cpu');
  const real = onnxEngine()!;
  let created = 0;
  let released = 0;
  registerOnnxEngine({
    ...real,
    createSession: async (model, provider) => {
      const s = await real.createSession(model, provider);
      created++;
      return { run: s.run, release: () => { released++; return s.release(); } };
    },
  });
  try {
    const budget = budgets.smoke;
    const data = syntheticDataset(keyFromSeed(3), { count: 8, channels: 1 });
    const [v] = pickVariants(['detailflow']).variants;
    const trained = await withCompileScope(() => trainVariant(v, budget, data, { backend: 'onnx-cpu' }));
    const afterTraining = created;
    assert.ok(afterTraining >= 4, `training built sessions (tokenizer steps, codes, AR steps): ${afterTraining}`);
    assert.equal(released, created, 'training released every session it built');
    const testImages = data.images.subarray(0, 4 * 32 * 32);
    const realSet = await extractFeatureSet(hostFeatures, testImages, [1, 32, 32], 4);
    const row = await withCompileScope(() => scoreVariant(trained, budget, { ex: hostFeatures, real: realSet, testImages, classes: 4, seed: 0 }, { backend: 'onnx-cpu' }));
    assert.ok(Number.isFinite(row.rfd) && Number.isFinite(row.gfd) && row.imagesPerSecond > 0);
    assert.ok(created > afterTraining, 'scoring built its own sessions');
    assert.equal(released, created, 'scoring released every session it built');
  } finally {
    registerOnnxEngine(real);
  }
});
