// Without onnxruntime-node (a platform it has no binary for, or an install that left the optional
// dependency out): asking for an ONNX backend gives one clear line naming how to install it and
// the fallback, exit 1, no native stack; training's default backend falls back to wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const hide = ['--import', './test/helpers/hide-onnxruntime.mjs'];

test('--backend onnx-cpu or onnx-webgpu without ONNX Runtime: one line with the install command and --backend wasm, exit 1', async () => {
  const out = path.join(await tempDir('no-ort'), 'x.png');
  for (const backend of ['onnx-cpu', 'onnx-webgpu']) {
    const r = spawnSync(process.execPath, [...hide, 'bin/detailflow.mjs', 'sample', '--backend', backend, '--out', out], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^detailflow sample: --backend ${backend}: ONNX Runtime is unavailable here \\(Cannot find package 'onnxruntime-node'.*npm install onnxruntime-node.*or use --backend wasm$`));
  }
});

test('without ONNX Runtime the default backend for training is wasm', () => {
  const code = "const { installOnnxRuntime } = await import('./src/platform/onnx-node.ts'); const { defaultBackend } = await import('./src/compile/backend.ts');"
    + " const r = await installOnnxRuntime(); console.log(JSON.stringify({ ok: r.ok, training: await defaultBackend({ workload: 'training' }) }));";
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...hide, '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop() as string), { ok: false, training: 'wasm' });
});
