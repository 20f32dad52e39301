// The project's grouped sampler (with and without its KV cache) on the official GPT fixture's
// weights reproduces the official generate_group_par's greedy CFG tokens exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { useBackend } from '../../src/compile/backend.ts';
import { decodeTorchSafetensors } from '../../src/detailflow/official/fixture-file.ts';
import { gptArgsOf, readFixtureMeta } from '../../src/detailflow/official/fixture-meta.ts';
import { importGpt } from '../../src/detailflow/official/import.ts';
import { storedSource } from '../../src/detailflow/official/sources.ts';
import { sampleGrouped } from '../../src/detailflow/sample/sampler.ts';
import { keyFromSeed } from '../../src/random/key.ts';

const file = path.resolve(import.meta.dirname, '../../../shared/reference/fixtures/ar-tiny-g4.safetensors');

test('the grouped sampler, cached and uncached, reproduces the official greedy CFG generation', async () => {
  await useBackend('cpu');
  const fx = E.getOrElseW((e: Error) => { throw e; })(decodeTorchSafetensors(new Uint8Array(readFileSync(file))));
  const meta = E.getOrElseW((e: string) => { throw new Error(e); })(readFixtureMeta(fx.metadata));
  const args = E.getOrElseW((e: string) => { throw new Error(e); })(gptArgsOf(meta));
  const m = importGpt(storedSource(fx.tensors), args as never);
  assert.ok(E.isRight(m), E.isLeft(m) ? m.left.join('\n') : '');
  const labels = Array.from(fx.tensors.get('fixture.in.gen_class_labels')!.data as Int32Array);
  const want = Array.from(fx.tensors.get('fixture.out.gen_tokens')!.data as Int32Array);
  const cfg = Number(meta.config['cfg_scale']);
  for (const cache of [true, false]) {
    const r = await sampleGrouped(m.right.config, m.right.params, labels, keyFromSeed(1), { cfg, temperature: 0, cache }, { backend: 'cpu' });
    assert.deepEqual(Array.from(r.tokens.data), want, `cache ${cache}`);
    assert.equal(r.passes, 11);
  }
});
