// The onnx-cpu backend end to end: a whole training step (transformer forward, backward, clipping,
// AdamW) as one ONNX model matches the same step on wasm to float tolerance (as close as cpu is), repeats bit-exactly
// (resume), creates one session per input signature, and refuses arrays of another backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchAdamW } from '../../src/bench/core-config.ts';
import { benchStack } from '../../src/bench/dsl-step.ts';
import { compile, toHost } from '../../src/compile/compile.ts';
import { devicePut } from '../../src/compile/device-put.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import type { Params } from '../../src/nn/module.ts';
import type { TransformerStackParams } from '../../src/nn/transformer-stack.ts';
import * as o from '../../src/ops/index.ts';
import { foldIn, keyFromSeed, normalHost } from '../../src/random/key.ts';
import { adamw } from '../../src/train/adam.ts';
import { trainStep } from '../../src/train/train-step.ts';
import { flatten, type Tree } from '../../src/tree/tree.ts';
import { isHostArray } from '../../src/ir/host-array.ts';
import { ready } from '../../laws/helpers/backends.ts';
import type { BackendName } from '../../src/compile/backend.ts';

const config = { depth: 2, width: 32, heads: 4, mlpWidth: 64, batch: 4, seq: 8 };
const stack = benchStack(config);
const loss = (p: Params<TransformerStackParams>, x: Node, y: Node): Node => o.mean(o.square(o.sub(stack.apply(p, x), y)));
const optimizer = () => adamw({ lr: benchAdamW.lr, b1: benchAdamW.b1, b2: benchAdamW.b2, eps: benchAdamW.eps, weightDecay: benchAdamW.weightDecay });
const shape = [config.batch, config.seq, config.width];
const n = shape.reduce((a, b) => a * b, 1);
const x = hostArray(normalHost(foldIn(keyFromSeed(1), 0), n), shape);
const y = hostArray(normalHost(foldIn(keyFromSeed(1), 1), n), shape);

const leaves = (t: unknown): HostArray[] => flatten(t as Tree<HostArray>, isHostArray, 'array').leaves;

/** Three clipped AdamW steps from the same initial parameters; the losses and the final parameters. */
const train = async (backend: BackendName) => {
  await ready(backend);
  const opt = optimizer();
  const params0 = stack.init(keyFromSeed(0));
  const step = trainStep(loss, opt, { backend, clip: 1 });
  let params: unknown = await devicePut(params0, { backend });
  let state: unknown = await devicePut(opt.initHost(params0) as object, { backend });
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const out = await step.run(params, state, x, y);
    params = out.params;
    state = out.state;
    losses.push(out.loss.data[0]);
  }
  return { losses, params: leaves(await toHost(params as object)), step };
};

test('a transformer training step on onnx-cpu matches wasm to float tolerance and repeats bit-exactly', async () => {
  const wasm = await train('wasm');
  const cpu = await train('cpu');
  let ref = 0;
  cpu.params.forEach((p, i) => p.data.forEach((v, j) => { ref = Math.max(ref, Math.abs(v - wasm.params[i].data[j])); }));

  const ort = await train('onnx-cpu');
  const again = await train('onnx-cpu');
  ort.losses.forEach((l, i) => assert.ok(Math.abs(l - wasm.losses[i]) <= 1e-5 * (1 + Math.abs(l)), `loss ${i}: onnx-cpu ${l}, wasm ${wasm.losses[i]}`));
  let worst = 0;
  ort.params.forEach((p, i) => p.data.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - wasm.params[i].data[j])); }));
  // Adam divides by sqrt(v): where a gradient is near zero, float rounding moves its update by up to
  // 2 lr a step, so the tfjs backends differ that way among themselves too (cpu vs wasm: about 4e-4
  // here). onnx-cpu must be no further from wasm than cpu is.
  assert.ok(worst <= Math.max(2 * ref, 1e-5), `max |param diff| vs wasm after 3 steps: ${worst} (cpu vs wasm: ${ref})`);
  assert.deepEqual(again.losses, ort.losses, 'the same steps on onnx-cpu give the same bits');
  again.params.forEach((p, i) => assert.deepEqual(p.data, ort.params[i].data));
  assert.equal(ort.step.planCount, 1);
  assert.equal((await ort.step.sessionStats()).length, 1, 'one session for the one signature');
});

test('onnx-cpu refuses a device array of another backend, naming both', async () => {
  await ready('wasm');
  await ready('onnx-cpu');
  const onWasm = await devicePut(hostArray(new Float32Array([1, 2]), [2]), { backend: 'wasm' });
  const f = compile((v: Node) => o.mul(v, 2), { backend: 'onnx-cpu' });
  await assert.rejects(f.run(onWasm), /lives on wasm, not on onnx-cpu/);
  const onOrt = await devicePut(hostArray(new Float32Array([1, 2]), [2]), { backend: 'onnx-cpu' });
  assert.deepEqual(Array.from((await f.host(onOrt)).data), [2, 4]);
});
