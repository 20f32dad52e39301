// The benchmarks on onnx-cpu, on tiny shapes: bench sample reports one ONNX session per graph
// with its build time and node count; bench train's onnx-cpu comparison against another backend of
// the same run gives the images/s ratio per model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSampleBench, runSampleBench } from '../../src/cli/commands/bench-sample.ts';
import { formatOnnxComparison } from '../../src/cli/commands/bench-train.ts';
import { runTrainBench } from '../../src/cli/train-bench.ts';
import { ready } from '../../laws/helpers/backends.ts';

test('bench sample on onnx-cpu: one session per graph, with build times and node counts', async () => {
  await ready('onnx-cpu');
  const model = { tokens: 16, group: 4, causal: 4, width: 32, depth: 1, heads: 2, vocab: 32 };
  const r = await runSampleBench({ backend: 'onnx-cpu', batch: 1, repeats: 1, warmup: 1, variants: ['a', 'c'], model });
  const a = r.variants.a!;
  assert.equal(a.passes, 7);
  // by default the grouped sampler's cache grows: every pass has its own cache length, so its own session
  assert.equal(a.sessions?.count, 7);
  assert.ok(a.sessions!.perGraph.every((g) => g.ms > 0 && g.nodes > 10));
  // token by token, the cache has a fixed length: the class pass, the passes that keep the cache, the last
  assert.equal(r.variants.c?.passes, 16);
  assert.equal(r.variants.c?.sessions?.count, 3);
  assert.match(formatSampleBench(r), /7 ONNX sessions, \d+-\d+ nodes each, built in [\d.]+ s/);
  assert.match(formatSampleBench(r), /KV cache growing for \(a\), fixed for \(c\)/);
  // asked for: a fixed cache for the grouped sampler (class, strict, first parallel, parallel, last), a growing one token by token
  const fixed = await runSampleBench({ backend: 'onnx-cpu', batch: 1, repeats: 1, warmup: 0, variants: ['a'], model, cacheLength: 'fixed' });
  assert.equal(fixed.variants.a?.sessions?.count, 5);
  const growing = await runSampleBench({ backend: 'onnx-cpu', batch: 1, repeats: 1, warmup: 0, variants: ['c'], model, cacheLength: 'growing' });
  assert.equal(growing.variants.c?.sessions?.count, 16);
});

test('bench train on onnx-cpu: images/s against the other backend of the same run', async () => {
  await ready('onnx-cpu');
  await ready('cpu');
  const ar = { vocab: 32, tokens: 8, group: 2, causal: 2, width: 16, depth: 1, heads: 2, mlpHidden: 32, headInitStd: 0.02 };
  const onnx = await runTrainBench({ backend: 'onnx-cpu', batch: 4, steps: 1, workers: [1], models: ['ar'], ar });
  const base = await runTrainBench({ backend: 'cpu', batch: 4, steps: 1, workers: [1], models: ['ar'], ar });
  assert.ok(onnx.models.ar!.figures[0].imagesPerSecond > 0);
  assert.match(formatOnnxComparison(onnx, base), /ar +onnx-cpu [\d.]+ img\/s \(setup [\d.]+ s\) vs cpu 1 worker [\d.]+ img\/s: [\d.]+x/);
});
