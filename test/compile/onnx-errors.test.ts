// ONNX Runtime refusing a graph, at session creation or while running, gives one error that names
// the primitive and the node whose lowering it refused, and the fallback backend; a refused model
// is not cached, so the next call tries again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { onnxEngine, registerOnnxEngine } from '../../src/compile/onnx/engine.ts';
import { GraphError } from '../../src/ir/errors.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { ready } from '../../laws/helpers/backends.ts';

const table = hostArray(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), [4, 2]);

test('an index ONNX Runtime refuses while running names gather, its node and the fallback', async () => {
  await ready('onnx-cpu');
  const f = compile((t: Node, i: Node) => o.gather(o.mul(t, 2), i), { backend: 'onnx-cpu' });
  const err = await f.host(table, hostArray(Int32Array.of(0, 9), [2])).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof GraphError, String(err));
  const m = err.message;
  assert.match(m, /^gather: /);
  assert.match(m, /ONNX Runtime \(onnx-cpu\) refused the graph while running in the lowering of gather -> float32\[2, 2\]/);
  assert.match(m, /out of data bounds/);
  assert.match(m, /use --backend wasm \(or compile\(\{ backend: 'wasm' \}\)\) instead$/);
  assert.ok(!m.includes('\n'), 'one line');
  // the session itself was fine: a good index runs on it
  assert.deepEqual(Array.from((await f.host(table, hostArray(Int32Array.of(3, 0), [2]))).data), [14, 16, 2, 4]);
});

test('a model ONNX Runtime refuses at session creation names the primitive and node, and is tried again next call', async () => {
  await ready('onnx-cpu');
  const real = onnxEngine()!;
  let refusals = 0;
  // ONNX Runtime's own wording for a node it cannot load: it names the node, which the compiler names `${op}#${slot}.${id}`
  registerOnnxEngine({
    ...real,
    createSession: async (model, provider) => {
      const text = new TextDecoder('latin1').decode(model);
      const node = /tanh#\d+\.\d+/.exec(text)?.[0];
      if (node && refusals++ === 0) throw new Error(`[ONNXRuntimeError] : 10 : INVALID_GRAPH : Load model failed: This is an invalid model. In Node:${node}, Error Node (${node}) has input size 1 not in range\n  native stack line`);
      return real.createSession(model, provider);
    },
  });
  try {
    const f = compile((x: Node) => o.add(o.tanh(x), 1), { backend: 'onnx-cpu' });
    const x = hostArray(Float32Array.of(0, 1), [2]);
    const err = await f.host(x).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof GraphError, String(err));
    assert.match(err.message, /^tanh: ONNX Runtime \(onnx-cpu\) refused the graph at session creation in the lowering of tanh -> float32\[2\]: .*INVALID_GRAPH.*; use --backend wasm/);
    assert.ok(!err.message.includes('native stack'), 'only the first line of the runtime\'s message');
    const again = await f.host(x);
    assert.ok(Math.abs(again.data[0] - 1) < 1e-6 && Math.abs(again.data[1] - (1 + Math.tanh(1))) < 1e-6, `got ${again.data}`);
  } finally {
    registerOnnxEngine(real);
  }
});
