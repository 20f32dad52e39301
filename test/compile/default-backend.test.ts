// The default backend by workload: without a hardware GPU, inference stays on wasm (one-shot
// runs, where ONNX Runtime's session creation costs more than it saves) and training goes to
// onnx-cpu once ONNX Runtime is installed; a preferred backend wins over both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultBackend, preferBackend, preferredBackend } from '../../src/compile/backend.ts';
import { installOnnxRuntime } from '../../src/platform/onnx-node.ts';
import { chooseWorkers } from '../../src/cli/training-sessions.ts';
import { ShardError } from '../../src/train/data-parallel/shards.ts';

test('the default backend: wasm for inference, onnx-cpu for training once ONNX Runtime is installed, the preferred one over both', async () => {
  const saved = preferredBackend();
  preferBackend(undefined);
  try {
    // this process has no navigator.gpu, so no hardware adapter can be found
    assert.equal(await defaultBackend(), 'wasm');
    assert.equal((await installOnnxRuntime()).ok, true);
    assert.equal(await defaultBackend({ workload: 'training' }), 'onnx-cpu');
    assert.equal(await defaultBackend({ workload: 'inference' }), 'wasm');
    assert.equal(await defaultBackend({ workload: 'training', prefer: 'cpu' }), 'cpu');
  } finally {
    preferBackend(saved);
  }
});

test('training on the ONNX backends uses one worker; asking for more is refused with the way out', () => {
  assert.equal(chooseWorkers(undefined, 32, 'onnx-cpu'), 1);
  assert.equal(chooseWorkers(undefined, 32, 'onnx-webgpu'), 1);
  assert.equal(chooseWorkers(1, 32, 'onnx-cpu'), 1);
  assert.throws(() => chooseWorkers(2, 32, 'onnx-cpu'), (e: unknown) => e instanceof ShardError && /--workers 2: onnx-cpu trains in one process.*use --backend wasm/.test(e.message));
});
