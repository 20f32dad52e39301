import { installNodeWebGPU } from '../../src/platform/node-webgpu.ts';
import { useBackend, type BackendName } from '../../src/compile/backend.ts';

/**
 * Every backend the suite checks. WebGPU is not optional: without an adapter the WebGPU
 * laws fail with the install hint instead of skipping.
 */
export const allBackends: readonly BackendName[] = ['cpu', 'wasm', 'webgpu'];

export const ready = async (b: BackendName): Promise<void> => {
  if (b === 'webgpu') {
    const r = await installNodeWebGPU();
    if (!r.ok) throw new Error(`WebGPU is required by the test suite: ${r.error}`);
  }
  await useBackend(b);
};
