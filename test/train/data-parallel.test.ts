import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { runOnce } from '../../src/compile/compile.ts';
import { toHost } from '../../src/compile/compile.ts';
import { hostArray, isHostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { uniform, splitKey } from '../../src/ops/index.ts';
import { foldIn, keyFromSeed, shardKey, type Key } from '../../src/random/key.ts';
import { flatten, type Tree } from '../../src/tree/tree.ts';
import { decodeArConfig } from '../../src/detailflow/ar/config.ts';
import { arModel } from '../../src/detailflow/ar/model.ts';
import { arObjective, arShards, arStep, arTrainConfigDefaults } from '../../src/detailflow/codes/ar-trainer.ts';
import { trainer, type TrainState } from '../../src/train/trainer.ts';
import { encodeCodes } from '../../src/detailflow/codes/codes-file.ts';
import { syntheticCodes } from '../../src/detailflow/codes/synthetic-codes.ts';
import { arRecipe, buildReplicaTrainer } from '../../src/detailflow/replica-trainers.ts';
import { decodeTokenizerConfig } from '../../src/detailflow/tokenizer/config.ts';
import { tokenizerRun } from '../../src/detailflow/tokenizer/fit.ts';
import { tokenizer } from '../../src/detailflow/tokenizer/model.ts';
import { trainDefaults } from '../../src/detailflow/tokenizer/train-config.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import { DataParallel, ReplicaDivergenceError } from '../../src/train/data-parallel/coordinator.ts';
import { ReplicaError, type HostState, type ReplicaPort } from '../../src/train/data-parallel/protocol.ts';
import { replicaServer } from '../../src/train/data-parallel/replica.ts';
import { meanInto, meanOf, partOf, replicaCount } from '../../src/train/data-parallel/shards.ts';
import { startNodeReplicas } from '../../src/platform/workers/node-replicas.ts';
import { trainingSession } from '../../src/cli/training-sessions.ts';
import { tokenizerRecipe } from '../../src/detailflow/replica-trainers.ts';
import { runTrainBench } from '../../src/cli/train-bench.ts';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';
import { decodeCheckpoint } from '../../src/train/checkpoint.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// N workers must reproduce one worker with the same global batch up to float rounding. The
// optimiser moments differ only by summation order (~1e-8 here). Adam divides m by sqrt(v), so a
// gradient element that nearly cancels over the batch can move by up to ~lr either way: parameter
// differences are bounded by a fraction of lr, while a shard-dependent draw would move many
// elements by about lr per step.
const MOMENT_TOL = 1e-6;
const PARAM_TOL_LR = 0.25;

const leaves = (t: Tree<HostArray>) => flatten(t, isHostArray, 'array').leaves;
const maxDiff = (a: Tree<HostArray>, b: Tree<HostArray>): number => {
  const [x, y] = [leaves(a), leaves(b)];
  assert.equal(x.length, y.length);
  let m = 0;
  x.forEach((l, i) => l.data.forEach((v, j) => { m = Math.max(m, Math.abs(v - y[i].data[j])); }));
  return m;
};
const assertClose = (a: HostState, b: HostState, lr: number): void => {
  for (const part of Object.keys(a)) {
    const d = maxDiff(a[part], b[part]);
    const tol = part === 'opt' ? MOMENT_TOL : PARAM_TOL_LR * lr;
    assert.ok(d <= tol, `${part}: max |diff| ${d} > ${tol}`);
  }
};
const assertMetricsClose = (a: Record<string, number>, b: Record<string, number>, step: number): void => {
  assert.deepEqual(Object.keys(b), Object.keys(a));
  for (const k of Object.keys(a)) assert.ok(Math.abs(a[k] - b[k]) <= 1e-5 * Math.max(1, Math.abs(a[k])), `step ${step} ${k}: ${a[k]} vs ${b[k]}`);
};

const arCfg = E.getOrElseW(() => assert.fail('bad AR config'))(decodeArConfig({ vocab: 32, tokens: 8, group: 2, causal: 2, width: 32, depth: 1, heads: 2, mlpHidden: 64, headInitStd: 0.02 }));
const codes = syntheticCodes(keyFromSeed(5), { codebookSize: 32, tokens: 8, group: 2, causal: 2 }, 32, 10);
const arTrain = { ...arTrainConfigDefaults, batchSize: 8, steps: 10, lr: 0.01, ema: 0.9 };
const arRows = (i: number) => Int32Array.from({ length: 8 }, (_, j) => (i * 8 + j) % codes.count);
const arKey = (i: number): Key => foldIn(keyFromSeed(6), i);

test('a shard key draws its rows of the whole batch\'s draw, also through splitKey; a scalar draw is shared', async () => {
  const draw = (rows: number) => (k: Node) => ({ m: uniform(splitKey(k, 3), [rows, 5]), s: uniform(k, []) });
  const key = keyFromSeed(9);
  const whole = await runOnce(draw(6), [key], { backend: 'cpu' }) as unknown as { m: HostArray; s: HostArray };
  for (let k = 0; k < 3; k++) {
    const part = await runOnce(draw(2), [shardKey(key, k, 3)], { backend: 'cpu' }) as unknown as { m: HostArray; s: HostArray };
    assert.deepEqual(Array.from(part.m.data), Array.from(whole.m.data.slice(k * 10, (k + 1) * 10)), `shard ${k}`);
    assert.deepEqual(Array.from(part.s.data), Array.from(whole.s.data));
  }
  assert.deepEqual(shardKey(key, 0, 1), key, 'one shard is the key itself');
  assert.throws(() => shardKey(key, 3, 3), /index 3 of 3/);
});

test('replicaCount: the default is the largest divisor of the batch up to the cores; a non-divisor is refused naming the choices', () => {
  assert.equal(replicaCount(undefined, 32, 2), 2);
  assert.equal(replicaCount(undefined, 9, 2), 1);
  assert.equal(replicaCount(undefined, 12, 5), 4);
  assert.equal(replicaCount(3, 12, 2), 3);
  assert.throws(() => replicaCount(3, 8, 2), /--workers 3: the batch of 8 does not split into 3 equal shards; choose one of 1, 2, 4, 8/);
  assert.deepEqual(Array.from(meanOf([Float32Array.of(1, 2), Float32Array.of(3, -2)])), [2, 0]);
});

test('a replica reports requests it cannot serve (before init, unknown recipe) as errors', async () => {
  const server = replicaServer(buildReplicaTrainer);
  await assert.rejects(server.handle({ type: 'checksum' }), /has not been initialised/);
  await assert.rejects(server.handle({ type: 'init', recipe: { kind: 'nope', backend: 'cpu' }, state: { params: {} }, shard: { index: 0, count: 1 } }), /unknown replica recipe 'nope'/);
});

test('the mean computed in parts (any split, any caller) has the bytes of the whole mean', () => {
  const vs = [0, 1, 2].map((k) => Float32Array.from({ length: 101 }, (_, i) => Math.sin(i * 7.3 + k) * 10 ** ((i % 9) - 4)));
  for (const count of [2, 3]) {
    const whole = meanOf(vs.slice(0, count));
    for (const parts of [1, 2, 3, 7]) {
      const out = new Float32Array(101).fill(NaN);
      for (let p = parts - 1; p >= 0; p--) { const { from, to } = partOf(101, p, parts); meanInto(vs.slice(0, count), out, from, to); }
      assert.deepEqual(out, whole, `${count} vectors in ${parts} parts`);
    }
  }
  assert.throws(() => meanInto(vs, new Float32Array(101), 5, 102), /range \[5, 102\)/);
});

/** Replicas in this thread (their messages are not copied): shared memory or not, as asked. */
const inProcessReplicas = (count: number, sharesMemory: boolean, seen: Set<string>): ReplicaPort[] => Array.from({ length: count }, () => {
  const server = replicaServer(buildReplicaTrainer);
  return { sharesMemory, request: async (r) => { seen.add(r.type); return (await server.handle(r)).value; }, close: async () => server.dispose() };
});

test('AR: the shared-memory exchange and the copied gradients give bit-identical replicas', async () => {
  const model = arModel(arCfg);
  const fresh = model.init(keyFromSeed(1)) as unknown as Tree<HostArray>;
  const state0 = trainer(arObjective(model, arTrain), { backend: 'cpu' }).initState(fresh) as HostState;
  const run = async (sharesMemory: boolean) => {
    const seen = new Set<string>();
    const dp = await DataParallel.start(inProcessReplicas(2, sharesMemory, seen), arRecipe('cpu', arCfg, arTrain), state0, { checkEvery: 1 });
    try {
      const metrics = [];
      for (let i = 0; i < 2; i++) metrics.push(await dp.step(arShards(arStep(codes, arRows(i), arKey(i)), 2)));
      return { metrics, state: await dp.state(), reduced: seen.has('reduce') };
    } finally {
      await dp.close();
    }
  };
  const [shared, copied] = [await run(true), await run(false)];
  assert.deepEqual([shared.reduced, copied.reduced], [true, false], 'the replicas average the gradients exactly when they share memory');
  assert.deepEqual(shared.metrics, copied.metrics);
  for (const part of Object.keys(copied.state)) assert.deepEqual(leaves(shared.state[part]), leaves(copied.state[part]), part);
});

test('AR: 2 worker threads match 1 worker (metrics and state); the identity check catches a perturbed worker; worker errors reject', async () => {
  const model = arModel(arCfg);
  const fresh = model.init(keyFromSeed(0)) as unknown as Tree<HostArray>;
  const local = trainer(arObjective(model, arTrain), { backend: 'cpu' });
  const state0 = local.initState(fresh) as HostState;
  const ports = startNodeReplicas(2);
  const dp = await DataParallel.start(ports, arRecipe('cpu', arCfg, arTrain), state0);
  try {
    let s: TrainState = state0;
    for (let i = 0; i < 3; i++) {
      const one = await local.step(s, arStep(codes, arRows(i), arKey(i)));
      s = one.state;
      assertMetricsClose(one.metrics, await dp.step(arShards(arStep(codes, arRows(i), arKey(i)), 2)), i);
    }
    const mine = { params: await toHost(s.params), ema: await toHost(s.ema), opt: await toHost(s.opt) };
    assertClose(mine, await dp.state(), arTrain.lr);
    await dp.perturb(1);
    await assert.rejects(dp.verify(), (e: Error) => e instanceof ReplicaDivergenceError && /states differ/.test(e.message));
    const shard = arShards(arStep(codes, arRows(0), arKey(0)), 2)[0];
    const bad = { ...shard, arrays: { batch: { ...shard.arrays.batch, clean: hostArray(new Int32Array(3), [3]) }, key: arKey(0) } };
    await assert.rejects(dp.step([bad, bad]), (e: Error) => e instanceof ReplicaError && /^worker [12] of 2: /.test(e.message));
    // a worker that ends mid-step fails the step instead of leaving it waiting
    const pending = assert.rejects(dp.step(arShards(arStep(codes, arRows(0), arKey(0)), 2)), (e: Error) => e instanceof ReplicaError && /worker 2 of 2: the worker was closed/.test(e.message));
    await ports[1].close();
    await pending;
  } finally {
    await dp.close();
  }
});

test('tokenizer: 2 worker threads match 1 worker (self-correction noise, flips, prefix plans)', async () => {
  const cfg = E.getOrElseW(() => assert.fail('bad tokenizer config'))(decodeTokenizerConfig({
    size: 16, patch: 4, tokens: 8, group: 2, causal: 2, codebookSize: 32, encoderWidth: 16, encoderDepth: 1, encoderHeads: 2,
    decoderWidth: 16, decoderDepth: 1, decoderHeads: 2, noiseTopK: 4, alignHidden: 8, alignWeight: 0, perceptualWeight: 0,
  }));
  const tk = tokenizer(cfg, 1);
  const train = { ...trainDefaults, batchSize: 8, steps: 10, lr: 0.003 };
  const data = syntheticDataset(keyFromSeed(3), { count: 32, channels: 1, height: 16, width: 16 });
  const open = async (workers: number) => {
    const run = tokenizerRun(tk, train, data, { backend: 'cpu' });
    return { run, session: await trainingSession({ ...run, workers, recipe: tokenizerRecipe('cpu', cfg, train), state: run.initState(run.initParams()) }) };
  };
  const [one, two] = [await open(1), await open(2)];
  try {
    const spans = new Set<number>();
    for (let i = 0; i < 3; i++) {
      spans.add(one.run.inputs(i).variant.withSpan ? 1 : 0);
      assertMetricsClose(await one.session.step(i), await two.session.step(i), i);
    }
    assert.ok(spans.has(1), 'a step with self-correction noise was covered');
    assertClose(await one.session.hostState(), await two.session.hostState(), train.lr);
  } finally {
    for (const x of [one, two]) await x.session.close();
  }
});

test('train-ar --workers 2 writes the checkpoint of --workers 1 up to rounding; a non-divisor is a usage error', async () => {
  const root = await tempDir('dp');
  const codesFile = path.join(root, 'codes.safetensors');
  await writeFile(codesFile, encodeCodes(codes));
  await writeFile(path.join(root, 'ar.json'), JSON.stringify({ ar: { width: 32, depth: 1, heads: 2, mlpHidden: 64, headInitStd: 0.02 }, train: { steps: 3, batchSize: 8, lr: 0.01, ema: 0.9, checkpointEvery: 3 } }));
  const train = async (workers: string, expect = 0) => {
    const io = memoryIO();
    const code = await dispatch(['train-ar', '--codes', codesFile, '--config', path.join(root, 'ar.json'), '--out', path.join(root, `w${workers}`), '--backend', 'cpu', '--workers', workers], io);
    assert.equal(code, expect, io.stderr.join('\n'));
    return io.stderr.join('\n');
  };
  assert.match(await train('2'), /2 data-parallel workers \(batch 8 = 2 x 4\)/);
  assert.match(await train('1'), /1 worker \(batch 8\)/);
  assert.match(await train('3', 2), /--workers 3: the batch of 8 does not split into 3 equal shards; choose one of 1, 2, 4, 8/);
  const load = async (w: string) => {
    const ck = decodeCheckpoint(new Uint8Array(await readFile(path.join(root, `w${w}`, 'ar.safetensors'))), 'detailflow-ar');
    assert.ok(E.isRight(ck));
    return ck.right.trees;
  };
  assertClose(await load('1'), await load('2'), 0.01);
});

test('bench train on a tiny AR model: images/s for 1 and 2 workers, the speed-up and the differences', async () => {
  const r = await runTrainBench({ backend: 'cpu', batch: 4, steps: 1, workers: [1, 2], models: ['ar'], ar: { vocab: 32, tokens: 8, group: 2, causal: 2, width: 16, depth: 1, heads: 2, mlpHidden: 32, headInitStd: 0.02 } });
  const [one, two] = r.models.ar!.figures;
  assert.deepEqual([one.workers, two.workers], [1, 2]);
  assert.ok(one.imagesPerSecond > 0 && two.speedup! > 0);
  assert.deepEqual(Object.keys(two.maxDiff!), ['ema', 'opt', 'params']);
  assert.ok(two.maxDiff!.params <= PARAM_TOL_LR * r.models.ar!.lr, JSON.stringify(two.maxDiff));
  assert.equal(r.loadBefore.length, 3);
});
