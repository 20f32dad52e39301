import { installNodeWebGPU } from '../../src/platform/node-webgpu.ts';
import { installOnnxRuntime } from '../../src/platform/onnx-node.ts';
import * as tf from '@tensorflow/tfjs-core';
import { isOnnxBackend, useBackend, type BackendName } from '../../src/compile/backend.ts';
import { onnxEngine } from '../../src/compile/onnx/engine.ts';

/**
 * Every backend the suite checks. WebGPU is not optional: without an adapter the WebGPU
 * laws fail with the install hint instead of skipping.
 */
export const allBackends: readonly BackendName[] = ['cpu', 'wasm', 'webgpu', 'onnx-cpu', 'onnx-webgpu'];

/** Live device arrays of a backend's engine: tfjs's tensor count, or ONNX Runtime's live buffers. */
export const liveArrays = (b: BackendName): number => {
  if (!isOnnxBackend(b)) return tf.memory().numTensors;
  const e = onnxEngine();
  if (!e) throw new Error('ONNX Runtime is not installed: call ready(\'onnx-cpu\') first');
  return e.liveBuffers();
};

export const ready = async (b: BackendName): Promise<void> => {
  if (b === 'webgpu') {
    const r = await installNodeWebGPU();
    if (!r.ok) throw new Error(`WebGPU is required by the test suite: ${r.error}`);
  }
  if (isOnnxBackend(b)) {
    const r = await installOnnxRuntime();
    if (!r.ok) throw new Error(`ONNX Runtime is required by the test suite: ${r.error}`);
  }
  await useBackend(b);
};
