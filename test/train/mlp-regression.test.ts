import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as nn from '../../src/nn/index.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import { adamw, trainStep, warmupCosine } from '../../src/train/index.ts';
import { ready } from '../../laws/helpers/backends.ts';

/** y = sin(x0) + x1 x2 / 2 from 4 inputs: a smooth target a small MLP fits in a few dozen steps. */
const N = 64;
const x = normalHost(keyFromSeed(1), N * 4);
const y = Float32Array.from({ length: N }, (_, i) => Math.sin(x[i * 4]) + 0.5 * x[i * 4 + 1] * x[i * 4 + 2]);

const model = nn.sequential([nn.linear({ in: 4, out: 32 }), nn.fn(o.gelu), nn.linear({ in: 32, out: 1 })]);
const params0 = model.init(keyFromSeed(0));
const loss = (p: nn.Params<typeof params0>, xb: Node, yb: Node): Node => o.mean(o.square(o.sub(model.apply(p, xb), yb)));

for (const backend of ['cpu', 'wasm'] as const) {
  test(`a small MLP trained 30 AdamW steps on ${backend}: the loss falls`, async () => {
    await ready(backend);
    const opt = adamw({ lr: warmupCosine({ peak: 3e-2, warmupSteps: 5, totalSteps: 30, floor: 3e-3 }), weightDecay: 1e-4 });
    const step = trainStep(loss, opt, { backend, clip: 1 });
    let params: unknown = params0;
    let state: unknown = opt.initHost(params0);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const out = await step.run(params, state, hostArray(x, [N, 4]), hostArray(y, [N, 1]));
      params = out.params;
      state = out.state;
      losses.push(out.loss.data[0]);
    }
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[29] < 0.25 * losses[0], `loss ${losses[0]} -> ${losses[29]}`);
    assert.ok(Math.min(...losses.slice(20)) < Math.min(...losses.slice(0, 10)));
  });
}
