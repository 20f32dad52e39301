import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../../src/cli/main.ts';
import { memoryIO } from '../../src/cli/io.ts';

test('doctor --json: every backend initialises and agrees with cpu', async () => {
  const io = memoryIO();
  const code = await dispatch(['doctor', '--json'], io);
  const report = JSON.parse(io.stdout.join('\n'));
  assert.deepEqual(report.backends.map((b: { name: string }) => b.name), ['webgpu', 'wasm', 'cpu', 'onnx-cpu', 'onnx-webgpu']);
  for (const b of report.backends) {
    assert.ok(b.ok, `${b.name}: ${b.error}`);
    assert.ok(b.maxAbsDiff <= report.tolerance, `${b.name} differs from cpu by ${b.maxAbsDiff}`);
  }
  assert.match(report.backends[0].adapter, /\S/);
  assert.match(report.backends[3].runtime, /^onnxruntime-node \d/);
  assert.match(report.backends[4].runtime, /^onnxruntime-node \d.*WebGPU execution provider/);
  assert.equal(code, 0);
});

test('doctor refuses an unknown backend with exit code 2', async () => {
  const io = memoryIO();
  assert.equal(await dispatch(['doctor', '--backend', 'tpu'], io), 2);
  assert.match(io.stderr.join('\n'), /unknown backend 'tpu'; choose one of webgpu, wasm, cpu, onnx-cpu, onnx-webgpu/);
});
