#!/usr/bin/env node
// Checks that WebGPU works in Node here: Dawn loads, finds an adapter, and one compute shader
// gives the right answer. Exits non-zero with a hint (how to get a Vulkan driver) otherwise.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { installNodeWebGPU } = await import('../src/platform/node-webgpu.ts');

const fail = (msg) => {
  console.error(`check-webgpu: FAILED: ${msg}`);
  process.exit(1);
};

const result = await installNodeWebGPU();
if (!result.ok) fail(result.error);

const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
const device = await adapter.requestDevice();
const input = new Float32Array([1, 2, 3, 4]);
const data = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
const readback = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
device.queue.writeBuffer(data, 0, input);
const module = device.createShaderModule({
  code: `@group(0) @binding(0) var<storage, read_write> x: array<f32>;
         @compute @workgroup_size(4) fn main(@builtin(global_invocation_id) i: vec3u) { x[i.x] = x[i.x] * 2.0; }`,
});
const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: data } }] });
const encoder = device.createCommandEncoder();
const pass = encoder.beginComputePass();
pass.setPipeline(pipeline);
pass.setBindGroup(0, bindGroup);
pass.dispatchWorkgroups(1);
pass.end();
encoder.copyBufferToBuffer(data, 0, readback, 0, input.byteLength);
device.queue.submit([encoder.finish()]);
await readback.mapAsync(GPUMapMode.READ);
const got = Array.from(new Float32Array(readback.getMappedRange()));
readback.unmap();
device.destroy();

if (got.join() !== '2,4,6,8') fail(`compute shader gave [${got}] instead of [2,4,6,8] on ${result.adapter}`);
console.log(`check-webgpu: ok: ${result.adapter}`);
