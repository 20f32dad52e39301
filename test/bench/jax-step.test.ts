// The jax-js row of `bench core` on tiny shapes: it computes the same step as the DSL (same loss
// from the same parameters, before and after AdamW updates), and the command reports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchCommand } from '../../src/cli/commands/bench.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import type { CoreBenchConfig } from '../../src/bench/core-config.ts';
import { benchStack, dslContender } from '../../src/bench/dsl-step.ts';
import { initJax, jaxContender } from '../../src/bench/jax-step.ts';
import { ready } from '../../laws/helpers/backends.ts';

const tiny: CoreBenchConfig = { depth: 2, width: 8, heads: 2, mlpWidth: 16, batch: 2, seq: 4 };
const TINY = ['--depth', '1', '--width', '8', '--heads', '2', '--mlp', '16', '--batch', '2', '--seq', '4', '--steps', '2', '--warmup', '1'];

const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

test('jax-js step on wasm: the same first loss as the DSL step, and the same after two AdamW updates', async () => {
  await ready('wasm');
  const jax = await initJax('wasm');
  if (typeof jax === 'string') assert.fail(jax);
  const params0 = benchStack(tiny).init(keyFromSeed(0));
  const n = tiny.batch * tiny.seq * tiny.width;
  const data = { x: hostArray(normalHost(keyFromSeed(1), n), [tiny.batch, tiny.seq, tiny.width]), y: hostArray(normalHost(keyFromSeed(2), n), [tiny.batch, tiny.seq, tiny.width]) };
  const dsl = await dslContender(tiny, 'wasm', data, params0);
  const jx = await jaxContender(jax, tiny, 'wasm', data, params0);
  try {
    for (let step = 1; step <= 3; step++) {
      await dsl.step();
      await jx.step();
      assert.ok(Number.isFinite(jx.lastLoss()), `step ${step}: ${jx.lastLoss()}`);
      // the first loss is the forward pass alone; later ones also check the gradients and AdamW
      assert.ok(close(jx.lastLoss(), dsl.lastLoss(), step === 1 ? 1e-6 : 1e-5), `step ${step}: jax-js ${jx.lastLoss()} vs dsl ${dsl.lastLoss()}`);
    }
    assert.ok(dsl.lastLoss() < 0.999 * (await firstLoss()), 'the steps train');
  } finally {
    jx.dispose?.();
  }

  async function firstLoss() {
    const again = await dslContender(tiny, 'wasm', data, params0);
    await again.step();
    return again.lastLoss();
  }
});

test('bench core --json: a jax-js row with finite numbers and the DSL loss; --jax=false leaves it out', async () => {
  const io = memoryIO();
  assert.equal(await benchCommand.run(['core', '--backend', 'cpu', '--json', '--baseline', 'tuned', ...TINY], io), 0, io.stderr.join('\n'));
  const r = JSON.parse(io.stdout.join('\n'));
  assert.equal(r.jax.device, 'cpu');
  assert.equal(r.jax.samplesMs.length, 2);
  for (const v of [r.jax.medianMs, r.jax.firstMs, r.jax.gflops, r.jax.ratio]) assert.ok(Number.isFinite(v) && v > 0, String(v));
  assert.ok(close(r.jax.loss, r.dsl.loss, 1e-5), `${r.jax.loss} vs ${r.dsl.loss}`);
  const off = memoryIO();
  assert.equal(await benchCommand.run(['core', '--backend', 'cpu', '--json', '--baseline', 'tuned', '--jax=false', ...TINY], off), 0);
  assert.equal(JSON.parse(off.stdout.join('\n')).jax, undefined);
});

test('bench core text output has the jax-js row and its ratio', async () => {
  const io = memoryIO();
  assert.equal(await benchCommand.run(['core', '--backend', 'cpu', '--baseline', 'tuned', ...TINY], io), 0);
  const out = io.stdout.join('\n');
  assert.match(out, /^ {2}jax-js +median +[\d.]+ ms +first +[\d.]+ ms +[\d.]+ GFLOP\/s +loss [\d.]+$/m);
  assert.match(out, /ratio dsl\/jax-js \d+\.\d{3} \(jax-js on its cpu backend/);
});
