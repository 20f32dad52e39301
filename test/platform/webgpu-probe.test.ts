import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DAWN_HARMLESS_WARNING, gpuDeviceNodes, probeWebGPU } from '../../src/platform/node-webgpu.ts';

/** A fake /dev holding the given entries (folders end with '/'). */
const fakeDev = (entries: readonly string[]): string => {
  const dev = mkdtempSync(path.join(tmpdir(), 'detailflow-dev-'));
  for (const e of entries) {
    if (e.endsWith('/')) mkdirSync(path.join(dev, e), { recursive: true });
    else writeFileSync(path.join(dev, e), '');
  }
  return dev;
};

test('gpuDeviceNodes lists render nodes, NVIDIA devices and WSL\'s dxg, not control or card nodes', () => {
  const dev = fakeDev(['dri/', 'dri/card0', 'dri/renderD128', 'nvidia0', 'nvidiactl', 'nvidia-uvm', 'dxg', 'null']);
  try {
    assert.deepEqual(gpuDeviceNodes(dev).sort(), [`${dev}/dri/renderD128`, `${dev}/dxg`, `${dev}/nvidia0`].sort());
  } finally {
    rmSync(dev, { recursive: true });
  }
});

test('on Linux without a GPU device node the probe starts nothing and says why', async () => {
  const dev = fakeDev(['null']);
  try {
    const r = await probeWebGPU({ platform: 'linux', dev });
    assert.equal(r.found, false);
    assert.match(r.found ? '' : r.why, /no GPU device node/);
  } finally {
    rmSync(dev, { recursive: true });
  }
});

// Not skippable: CI has lavapipe, so the child process finds at least a software adapter.
test('with a device node the probe asks Dawn in a child process and reports the adapter', async () => {
  const dev = fakeDev(['dri/', 'dri/renderD128']);
  try {
    const r = await probeWebGPU({ platform: 'linux', dev });
    assert.ok(r.found, r.found ? '' : r.why);
    assert.ok(r.adapter.info?.description || r.adapter.info?.vendor, JSON.stringify(r.adapter));
    // Dawn was loaded in the child only: this process has no navigator.gpu from it
    assert.equal((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu, undefined);
  } finally {
    rmSync(dev, { recursive: true });
  }
});

test('DAWN_HARMLESS_WARNING matches exactly the two limit clamps', () => {
  assert.ok(DAWN_HARMLESS_WARNING.test('Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.'));
  assert.ok(DAWN_HARMLESS_WARNING.test('Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.'));
  assert.ok(!DAWN_HARMLESS_WARNING.test('Warning: something else'));
});

// The invariant on any machine: Dawn is in the process only when the adapter is hardware, and
// nothing reaches stderr either way (here, without a GPU, Dawn is never loaded).
test('installHardwareWebGPU loads Dawn only for a hardware adapter, and prints nothing', async () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = [
    "const { installHardwareWebGPU } = await import('./src/platform/node-webgpu.ts');",
    "const { isSoftwareAdapter } = await import('./src/compile/backend.ts');",
    'const r = await installHardwareWebGPU();',
    'const gpu = globalThis.navigator?.gpu;',
    'const a = gpu ? await gpu.requestAdapter() : null;',
    'console.log(JSON.stringify({ r, installed: Boolean(gpu), software: a ? isSoftwareAdapter(a) : null }));',
  ].join('\n');
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }));
  });
  const { r, installed, software } = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  assert.equal(installed, r.ok, JSON.stringify(r));
  if (installed) assert.equal(software, false);
  if (gpuDeviceNodes().length === 0 && process.platform === 'linux') assert.match(r.error, /no GPU device node/);
  assert.equal(stderr, '');
});
