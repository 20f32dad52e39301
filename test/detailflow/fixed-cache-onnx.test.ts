// The fixed-length KV cache on onnx-cpu: token by token it samples exactly what the growing cache
// samples (same key), from three ONNX sessions instead of one per position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orThrow } from '../../src/config/codec.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { arSampler } from '../../src/detailflow/sample/sampler.ts';
import { ready } from '../../laws/helpers/backends.ts';

test('onnx-cpu: the fixed-length cache samples what the growing one samples, from a session per pass shape', async () => {
  await ready('onnx-cpu');
  const c = orThrow(decodeArConfig({ vocab: 64, tokens: 12, classes: 10, width: 32, depth: 2, heads: 2, mlpHidden: 64, group: 1, causal: 1, initStd: 0.2, headInitStd: 0.5 }));
  const params = arModel(c).init(keyFromSeed(7));
  const growing = arSampler(c, { backend: 'onnx-cpu' }, 'growing');
  const fixed = arSampler(c, { backend: 'onnx-cpu' });
  for (const seed of [1, 2]) {
    const opts = { cfg: 1.5, topP: 0.95 };
    const a = await growing.tokenByToken(params, [seed, 3, 8], keyFromSeed(seed), opts);
    const b = await fixed.tokenByToken(params, [seed, 3, 8], keyFromSeed(seed), opts);
    assert.deepEqual([...b.tokens.data], [...a.tokens.data], `seed ${seed}`);
    // the samples are not all one token (a comparison that could not fail)
    assert.ok(new Set(a.tokens.data).size > 3);
  }
  assert.equal((await growing.sessionStats()).length, 12);
  assert.equal((await fixed.sessionStats()).length, 3);
});
