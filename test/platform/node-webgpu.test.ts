import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { defineNavigatorGpu, installNodeWebGPU } from '../../src/platform/node-webgpu.ts';
import { ensureXdgRuntimeDir } from '../../src/platform/xdg-runtime-dir.ts';

// Not skippable: CI installs lavapipe (bookworm-backports), so a missing adapter is a real failure.
test('installNodeWebGPU finds an adapter and installs navigator.gpu and the GPU* globals', async () => {
  const result = await installNodeWebGPU();
  assert.equal(result.error, undefined);
  assert.equal(result.ok, true);
  assert.ok(result.adapter && result.adapter.length > 0);
  assert.ok(globalThis.navigator?.gpu);
  assert.equal(typeof (globalThis as { GPUBufferUsage?: { STORAGE?: unknown } }).GPUBufferUsage?.STORAGE, 'number');
});

test('installNodeWebGPU is idempotent', async () => {
  const first = await installNodeWebGPU();
  const gpu = globalThis.navigator.gpu;
  const second = await installNodeWebGPU();
  assert.deepEqual(second, first);
  assert.equal(globalThis.navigator.gpu, gpu);
});

test('defineNavigatorGpu defines navigator where there is none (Node 20)', () => {
  const scope = {};
  defineNavigatorGpu(scope, 'gpu');
  assert.equal((scope as { navigator: { gpu: unknown } }).navigator.gpu, 'gpu');
});

test('defineNavigatorGpu keeps a getter-provided navigator and adds gpu to it (Node 21+)', () => {
  class Navigator {
    get userAgent(): string {
      return 'Node.js/22';
    }
  }
  const nav = new Navigator();
  const scope = {};
  Object.defineProperty(scope, 'navigator', { get: () => nav, configurable: true, enumerable: true });
  defineNavigatorGpu(scope, 'gpu');
  const seen = (scope as { navigator: { gpu: unknown; userAgent: string } }).navigator;
  assert.equal(seen.gpu, 'gpu');
  assert.equal(seen.userAgent, 'Node.js/22');
});

test('defineNavigatorGpu replaces a frozen navigator', () => {
  const scope = { navigator: Object.freeze({}) };
  defineNavigatorGpu(scope, 'gpu');
  assert.equal((scope.navigator as { gpu?: unknown }).gpu, 'gpu');
});

test('ensureXdgRuntimeDir keeps a set value and otherwise makes a private folder', () => {
  assert.equal(ensureXdgRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/7' }), '/run/user/7');
  const env: NodeJS.ProcessEnv = {};
  const dir = ensureXdgRuntimeDir(env);
  assert.equal(env['XDG_RUNTIME_DIR'], dir);
  assert.ok(existsSync(dir));
  rmSync(dir, { recursive: true, force: true }); // made in this process's private temp directory
});
