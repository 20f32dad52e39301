import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import type { Node } from '../../src/ir/node.ts';
import { batchAt, epochOrder } from '../../src/data/batches.ts';
import { syntheticDataset } from '../../src/data/synthetic.ts';
import type { Params } from '../../src/nn/module.ts';
import { foldIn, keyFromSeed } from '../../src/random/key.ts';
import { adam, trainStep } from '../../src/train/index.ts';
import { cnnTeacher, cnnTeacherDefaults, teacherLoss, type CnnTeacherConfig, type CnnTeacherParams } from '../../src/detailflow/teacher/index.ts';

// A narrow teacher (widths 8-32) keeps this quick; the layers and the objective are the real ones.
const cfg: CnnTeacherConfig = { ...cnnTeacherDefaults, channels: 1, width: 8, classes: 4, lr: 1e-2, batchSize: 64, steps: 40 };

test('the CNN teacher learns the synthetic shapes: 40 Adam steps on wasm cut the loss substantially', async () => {
  const key = keyFromSeed(11);
  const ds = syntheticDataset(foldIn(key, 0), { count: 640, channels: cfg.channels, height: cfg.size, width: cfg.size });
  const heldOut = syntheticDataset(foldIn(key, 1), { count: 1024, channels: cfg.channels, height: cfg.size, width: cfg.size });
  const objective = teacherLoss(cfg);
  const opt = adam({ lr: cfg.lr });
  const step = trainStep((p: Params<CnnTeacherParams>, x: Node, y: Node) => objective(p, x, y).loss, opt, { backend: 'wasm' });
  let params: unknown = cnnTeacher(cfg).init(foldIn(key, 2));
  let state: unknown = opt.initHost(params as never);
  const losses: number[] = [];
  const perEpoch = Math.floor(ds.count / cfg.batchSize);
  for (let s = 0; s < cfg.steps; s++) {
    const epoch = Math.floor(s / perEpoch);
    const batch = batchAt(ds, epochOrder(foldIn(key, 3), epoch, ds.count), (s % perEpoch) * cfg.batchSize, cfg.batchSize);
    const out = await step.run(params, state, batch.images, batch.labels);
    losses.push(out.loss.data[0]!);
    ({ params, state } = out);
  }
  const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(losses.every(Number.isFinite), `non-finite loss: ${losses}`);
  assert.ok(last < 0.5 * first, `loss fell only from ${first.toFixed(3)} to ${last.toFixed(3)}: ${losses.map((l) => l.toFixed(2)).join(' ')}`);

  const evalFn = compile((p: Params<CnnTeacherParams>, x: Node, y: Node) => objective(p, x, y).accuracy, { backend: 'wasm' });
  const held = batchAt(heldOut, epochOrder(foldIn(key, 4), 0, heldOut.count), 0, 256);
  const accuracy = (await evalFn.host(params, held.images, held.labels)).data[0]!;
  assert.ok(accuracy > 0.6, `held-out accuracy ${accuracy} (chance is 0.25)`);
});
