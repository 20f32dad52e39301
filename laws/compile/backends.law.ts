import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { specs } from '../primitives/specs.ts';
import { runOnce } from '../../src/compile/compile.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import { registry } from '../../src/primitives/registry.ts';
import { floatArrayArb } from '../helpers/arbitraries.ts';
import { assertClose } from '../helpers/close.ts';
import { ready } from '../helpers/backends.ts';
import type { BackendName } from '../../src/compile/backend.ts';

// Tolerance of the accelerated backends against cpu: float32 transcendental functions differ in the last bits.
const ATOL = 1e-4;
const RTOL = 1e-3;

const runOn = async (backend: BackendName, fn: (xs: Node[], k: Node) => Node, inputs: HostArray[], seed: number): Promise<HostArray> => {
  await ready(backend);
  return (await runOnce(fn, [inputs, keyFromSeed(seed)], { backend, checkShapes: true })) as HostArray;
};

for (const backend of ['wasm', 'webgpu', 'onnx-cpu', 'onnx-webgpu'] as const) {
  for (const [name, spec] of Object.entries(specs)) {
    test(`${name} on ${backend} agrees with cpu`, async () => {
      await fc.assert(fc.asyncProperty(spec.gen, fc.nat(1000), async ({ inputs, statics }, seed) => {
        const fn = (xs: Node[], k: Node) => {
          const y = spec.apply(spec.key ? [k, ...xs] : xs, statics);
          return y.dtype === 'key' ? o.uniform(y, [2]) : y;
        };
        const want = await runOn('cpu', fn, inputs, seed);
        const got = await runOn(backend, fn, inputs, seed);
        if (want.dtype === 'float32') assertClose(got, want, ATOL, RTOL, `${name} on ${backend}`);
        else assert.deepEqual(Array.from(got.data), Array.from(want.data), `${name} on ${backend}`);
      }), { numRuns: 3 });
    });
  }
}

/** Random small graphs: a chain of ops over two [3, 4] inputs, evaluated on every backend. */
const opsPool: ((a: Node, b: Node) => Node)[] = [
  (a, b) => o.add(a, b), (a, b) => o.mul(a, o.tanh(b)), (a) => o.gelu(a), (a) => o.softmax(a, -1),
  // matmul both ways round, a tb^T tb and the column sums of a^T tb, scaled back to a's size
  (a, b) => { const tb = o.tanh(b); return o.div(o.add(o.matmul(o.matmul(a, o.mT(tb)), tb), o.sum(o.matmul(o.mT(a), tb), 0, true)), 24); },
  (a) => o.sub(a, o.mean(a, -1, true)), (a, b) => o.where(o.greater(a, b), a, o.neg(b)), (a) => o.logSoftmax(a, 0),
  (a) => o.silu(a), (a, b) => o.div(a, o.add(o.square(b), 1)), (a) => o.concat([o.sliceAxis(a, 1, 2, 4), o.sliceAxis(a, 1, 0, 2)], 1),
];

test('random graphs compiled on wasm, webgpu, onnx-cpu and onnx-webgpu agree with cpu', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(fc.nat(opsPool.length - 1), fc.boolean()), { minLength: 1, maxLength: 6 }),
    floatArrayArb([3, 4]), floatArrayArb([3, 4]),
    async (program, a, b) => {
      const fn = ([x, y]: Node[]) => program.reduce((acc, [op, swap]) => (swap ? opsPool[op](acc, y) : opsPool[op](y, acc)), x);
      const want = await runOn('cpu', fn, [a, b], 0);
      for (const backend of ['wasm', 'webgpu', 'onnx-cpu', 'onnx-webgpu'] as const) assertClose(await runOn(backend, fn, [a, b], 0), want, ATOL, RTOL, backend);
    }), { numRuns: 15 });
});

test('the fused WebGPU gelu kernel matches the plain lowering on WebGPU', async () => {
  await ready('webgpu');
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 3000 }).chain((n) => floatArrayArb([n], -20, 20)), async (x) => {
    const t = tf.tensor(x.data, [...x.shape]);
    const fused = registry.gelu.kernels!.webgpu!([t], {}, { shape: x.shape, dtype: 'float32' }) as tf.Tensor;
    const plain = registry.gelu.lower([t], {}, { shape: x.shape, dtype: 'float32' }) as tf.Tensor;
    const [f, p] = [await fused.data(), await plain.data()];
    tf.dispose([t, fused, plain]);
    assertClose({ ...x, data: f as Float32Array }, { ...x, data: p as Float32Array }, 1e-5, 1e-4, 'fused gelu');
  }), { numRuns: 10 });
});
