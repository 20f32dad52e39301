// The executor owns device memory in sampling too: each pass consumes the previous pass's KV
// cache, the last pass consumes parameters the sampler uploaded itself, and every pass's tokens
// are moved to the host once. Repeated sampler runs (host or device parameters, cache on or off,
// with or without a per-pass hook) leave the number of live tensors unchanged, on every backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { devicePut } from '../../src/compile/device-put.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { arSampler } from '../../src/detailflow/sample/sampler.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { allBackends, liveArrays, ready } from '../helpers/backends.ts';

const config = (() => {
  const r = decodeArConfig({ vocab: 32, tokens: 8, classes: 4, width: 16, depth: 1, heads: 2, mlpHidden: 32, group: 2, causal: 2 });
  if (E.isLeft(r)) throw r.left;
  return r.right;
})();
const hostParams = arModel(config).init(keyFromSeed(5));

// everything a test built stays referenced, so collection of one backend's plans cannot change
// the count while another backend is measured
const keep: unknown[] = [];

for (const backend of allBackends) {
  test(`repeated sampler runs leave the live-tensor count unchanged on ${backend}`, async () => {
    await ready(backend);
    const sampler = arSampler(config, { backend });
    const deviceParams = await devicePut(hostParams, { backend });
    keep.push(sampler, deviceParams);
    await fc.assert(fc.asyncProperty(
      fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 2, max: 3 }), fc.nat(1000),
      async (onDevice, cache, hooked, runs, seed) => {
        const params = onDevice ? deviceParams : hostParams;
        let passes = 0;
        const hooks = hooked ? { onPass: () => { passes++; } } : {};
        const run = (i: number) => sampler.grouped(params, [1, 3], keyFromSeed(seed + i), { cfg: 1.5, cache }, hooks);
        const first = await run(0); // plans traced, their constants uploaded
        const unhooked = await sampler.grouped(params, [1, 3], keyFromSeed(seed), { cfg: 1.5, cache });
        assert.deepEqual(first.tokens.data, unhooked.tokens.data, 'a hook does not change the samples');
        const before = liveArrays(backend);
        for (let i = 1; i <= runs; i++) {
          const r = await run(i);
          assert.deepEqual(r.tokens.shape, [2, config.tokens]);
        }
        assert.equal(liveArrays(backend), before, `${runs} runs changed the live-tensor count`);
        assert.equal(passes, hooked ? (runs + 1) * first.passes : 0, 'the hook saw every pass');
      },
    ), { numRuns: 8 });
  });
}
