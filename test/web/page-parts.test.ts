/** The web page's pure parts, the build's refusal to wipe a foreign folder, and the static server, in Node. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkSampling, readSettings } from '../../web/settings.ts';
import { canvasSide, nonFinite, rgbaOf } from '../../web/picture.ts';
import { gpuGuard, GpuFault, limitProblems } from '../../web/gpu-guard.ts';
import { adapterName, alternative, backendLine, decideBackend, shaderCompilation, softwareAdapter } from '../../web/backend-choice.ts';
import type { GpuDevice, GpuError } from '../../web/webgpu-types.ts';
import { buildWeb, checkLibraryForBrowser } from '../../scripts/build-web.ts';
import { serveStatic } from '../../scripts/static-server.ts';

test('the address picks the models and the backend; bad values are named', () => {
  const d = readSettings('http://localhost:8080/sub/index.html');
  assert.equal(d.settings.tokenizerUrl, 'http://localhost:8080/sub/models/tokenizer.safetensors');
  assert.equal(d.settings.arUrl, 'http://localhost:8080/sub/models/ar.safetensors');
  assert.deepEqual([d.settings.backend, d.settings.fault, d.problems], ['auto', 'none', []]);
  const q = readSettings('http://h/?ar=/m/x.safetensors&tokenizer=https://cdn.example/t.safetensors&backend=gpu&fault=device-loss');
  assert.equal(q.settings.arUrl, 'http://h/m/x.safetensors');
  assert.equal(q.settings.tokenizerUrl, 'https://cdn.example/t.safetensors');
  assert.equal(q.settings.fault, 'device-loss');
  assert.equal(q.settings.backend, 'auto');
  assert.match(q.problems.join(), /\?backend=gpu is not one of auto, webgpu, wasm/);
});

test('software adapters are recognised by any field a browser reports them in', () => {
  const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: '', description: '' };
  assert.equal(softwareAdapter(swiftshader), true);
  assert.equal(adapterName(swiftshader), 'google swiftshader');
  assert.equal(softwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }), true);
  assert.equal(softwareAdapter({ description: 'Microsoft Basic Render Driver' }), true);
  assert.equal(softwareAdapter({ vendor: 'nvidia', architecture: 'hopper' }), false);
  assert.equal(softwareAdapter({ vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: true }), true);
  assert.equal(softwareAdapter({ vendor: 'nvidia' }, true), true);
  assert.equal(adapterName({}), 'unnamed adapter');
});

test('the backend is chosen as the CLI does: WebGPU on hardware, wasm on a software adapter or none; the address can insist', () => {
  const hw = { adapter: { name: 'nvidia hopper', software: false }, why: '' };
  const sw = { adapter: { name: 'google swiftshader', software: true }, why: '' };
  const none = { why: 'the browser offers no WebGPU adapter' };
  const pick = (c: ReturnType<typeof decideBackend>): string => (c.ok ? c.backend : `error: ${c.error}`);
  assert.equal(pick(decideBackend('auto', hw, true)), 'webgpu');
  assert.equal(pick(decideBackend('auto', sw, true)), 'wasm');
  assert.equal(pick(decideBackend('auto', sw, false)), 'webgpu', 'without wasm SIMD, a software adapter is better than nothing');
  assert.equal(pick(decideBackend('webgpu', sw, true)), 'webgpu');
  assert.equal(pick(decideBackend('wasm', hw, true)), 'wasm');
  assert.equal(pick(decideBackend('auto', none, true)), 'wasm');
  assert.match(pick(decideBackend('auto', none, false)), /^error: This page cannot run here: the browser offers no WebGPU adapter, and WebAssembly SIMD/);
  assert.match(pick(decideBackend('webgpu', none, true)), /^error: WebGPU was asked for \(\?backend=webgpu\), but the browser offers no WebGPU adapter/);
  const onSoftware = decideBackend('auto', sw, true);
  assert.ok(onSoftware.ok && onSoftware.notice === undefined && onSoftware.adapter?.name === 'google swiftshader');
  const noAdapter = decideBackend('auto', none, true);
  assert.ok(noAdapter.ok && /^No WebGPU: .*Falling back to WebAssembly/.test(noAdapter.notice ?? ''));
  // the other backend is one click away where the browser has it
  assert.equal(alternative('wasm', sw.adapter, true), 'webgpu');
  assert.equal(alternative('wasm', undefined, true), undefined);
  assert.equal(alternative('webgpu', sw.adapter, true), 'wasm');
  assert.equal(alternative('webgpu', sw.adapter, false), undefined);
  // one short line naming the adapter
  assert.equal(backendLine('wasm', sw.adapter, true), '(the WebGPU adapter, google swiftshader, is a software one: wasm is faster here)');
  assert.equal(backendLine('webgpu', sw.adapter, true), '(google swiftshader: a software adapter, slower here than wasm)');
  assert.equal(backendLine('webgpu', sw.adapter, false), '(google swiftshader: a software adapter, correct but slower than a GPU)');
  assert.equal(backendLine('webgpu', hw.adapter, true), '(nvidia hopper)');
  assert.equal(backendLine('wasm', undefined, true), '');
});

test('only the first finished WebGPU generation compiles shaders; wasm never does', () => {
  const shaders = shaderCompilation();
  assert.deepEqual([shaders.compiles('wasm'), shaders.compiles('webgpu')], [false, true]);
  shaders.finished('wasm');
  assert.equal(shaders.compiles('webgpu'), true, 'a wasm run compiles no WebGPU shader');
  shaders.finished('webgpu');
  assert.deepEqual([shaders.compiles('wasm'), shaders.compiles('webgpu')], [false, false]);
});

test('the form is checked: class, CFG >= 1, temperature >= 0, whole seed', () => {
  assert.deepEqual(checkSampling({ label: '3', cfg: '2.5', temperature: '0', seed: '42' }, 10).input, { label: 3, cfg: 2.5, temperature: 0, seed: 42 });
  const bad = checkSampling({ label: '10', cfg: '0.5', temperature: '', seed: '1.5' }, 10);
  assert.equal(bad.input, undefined);
  assert.equal(bad.problems.length, 4);
  assert.match(bad.problems.join('\n'), /CFG scale: expected a number >= 1.*'0\.5'/);
});

test('float images become opaque bytes; non-finite values are found, not drawn', () => {
  const grey = { width: 2, height: 1, channels: 1 as const, data: Float32Array.of(-1, 1) };
  assert.deepEqual(Array.from(rgbaOf(grey)), [0, 0, 0, 255, 255, 255, 255, 255]);
  const rgb = { width: 1, height: 1, channels: 3 as const, data: Float32Array.of(1, 0, -1) };
  assert.deepEqual(Array.from(rgbaOf(rgb)), [255, 128, 0, 255]);
  assert.equal(nonFinite(grey), undefined);
  assert.equal(nonFinite({ ...grey, data: Float32Array.of(0, NaN) }), 1);
  assert.equal(canvasSide(32), 256);
  assert.equal(canvasSide(28) % 28, 0);
});

test('a tensor over the device limits is refused with a way out', () => {
  const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
  assert.deepEqual(limitProblems(limits, { name: 'ar.head.w', bytes: 2 ** 20 }), []);
  const p = limitProblems(limits, { name: 'ar.head.w', bytes: 200 * 2 ** 20 });
  assert.equal(p.length, 1);
  assert.match(p[0]!, /ar\.head\.w, 200\.0 MiB\) exceeds this device's maxStorageBufferBindingSize \(128\.0 MiB\).*\?backend=wasm/);
});

/** A device whose error scopes behave as WebGPU's: a stack, each catching the first error of its filter. */
const fakeDevice = () => {
  const scopes: { filter: string; error: GpuError | null }[] = [];
  let lose: (info: { reason: string; message: string }) => void = () => {};
  const device = Object.assign(new EventTarget(), {
    limits: { maxStorageBufferBindingSize: 1, maxBufferSize: 1 }, features: new Set<string>(),
    lost: new Promise<{ reason: string; message: string }>((r) => { lose = r; }),
    pushErrorScope: (filter: string) => void scopes.push({ filter, error: null }),
    popErrorScope: async () => scopes.pop()!.error,
    createShaderModule: () => {
      const s = [...scopes].reverse().find((x) => x.filter === 'validation');
      if (s && !s.error) s.error = { message: 'bad WGSL', constructor: { name: 'GPUValidationError' } } as unknown as GpuError;
    },
    destroy: () => lose({ reason: 'destroyed', message: 'gone' }),
  });
  return { device: device as unknown as GpuDevice, scopes };
};

test('the guard turns an error inside the watched work into a GpuFault and keeps the scopes balanced', async () => {
  const { device, scopes } = fakeDevice();
  const reports: string[] = [];
  const guard = gpuGuard(device, (m) => reports.push(m));
  assert.equal(await guard.watch(async (checkpoint) => { await checkpoint(); return 7; }), 7);
  assert.equal(scopes.length, 0);
  await assert.rejects(guard.watch(async (checkpoint) => {
    guard.inject('invalid-shader');
    await checkpoint();
  }), (e: unknown) => e instanceof GpuFault && /WebGPU validation error: bad WGSL/.test(e.message));
  assert.equal(scopes.length, 0);
  await assert.rejects(guard.watch(async () => { throw new Error('boom'); }), /boom/);
  assert.equal(scopes.length, 0);
  guard.inject('device-loss');
  await new Promise((r) => setTimeout(r, 0));
  assert.match(guard.lost ?? '', /device was lost \(destroyed: gone\)/);
  assert.deepEqual(reports, [guard.lost]);
});

test('the build refuses to wipe a folder that is not an earlier build', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'detailflow-web-out-'));
  try {
    await writeFile(path.join(dir, 'precious.txt'), 'keep me');
    await assert.rejects(buildWeb({ outDir: dir, tokenizer: null, ar: null }), /is not empty and holds no earlier web build/);
    await assert.rejects(buildWeb({ outDir: path.join(dir, 'new'), tokenizer: null, ar: 'no/such.safetensors' }), /--ar no\/such\.safetensors: no such file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the library bundles for the browser; a Node import in it would fail the build', async () => {
  await checkLibraryForBrowser();
  const dir = await mkdtemp(path.join(tmpdir(), 'detailflow-lib-'));
  try {
    await writeFile(path.join(dir, 'index.ts'), "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n");
    await assert.rejects(checkLibraryForBrowser(path.join(dir, 'index.ts')), /does not bundle for the browser:[\s\S]*node:fs/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the static server serves files with their types and lengths, and nothing outside its folder', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'detailflow-serve-'));
  await mkdir(path.join(dir, 'wasm'));
  await writeFile(path.join(dir, 'index.html'), '<p>hi</p>');
  await writeFile(path.join(dir, 'wasm', 'a.wasm'), new Uint8Array([0, 97, 115, 109]));
  const s = await serveStatic(dir);
  try {
    const index = await fetch(s.url);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(await index.text(), '<p>hi</p>');
    const wasm = await fetch(`${s.url}wasm/a.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('content-length'), '4');
    assert.equal((await fetch(`${s.url}missing.js`)).status, 404);
    assert.equal((await fetch(`${s.url}..%2f..%2fetc%2fpasswd`)).status, 403);
    assert.equal((await fetch(s.url, { method: 'POST' })).status, 405);
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
});
