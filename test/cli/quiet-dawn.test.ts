// Dawn's two harmless limit clamps (printed from native code on every lavapipe adapter) are
// filtered from the stderr of commands that load Dawn on purpose; nothing else is held back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { lineFilter, loadsDawn } from '../../src/cli/quiet-dawn.ts';
import { DAWN_HARMLESS_WARNING } from '../../src/platform/node-webgpu.ts';

const clampU = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';
const clampS = 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';
const kept = fc.constantFrom('step 3/10 [##....] 30%\r', 'Warning: something else\n', 'Warning: maxDynamic\n', 'W', 'train-tokenizer: 1 worker\n', 'é ünïcode\n', '\n');

test('the filter drops exactly the clamp lines, however the stream is cut into chunks', () => {
  fc.assert(fc.property(fc.array(fc.oneof(kept, fc.constantFrom(clampU, clampS)), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), (parts, cuts) => {
    // a clamp only counts as one when it starts a line
    const text = parts.join('');
    const expected = text.split(/(?<=\n)/).filter((l) => !DAWN_HARMLESS_WARNING.test(l)).join('');
    const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
    let out = '';
    const f = lineFilter(DAWN_HARMLESS_WARNING, 'Warning: maxDynamic', (t) => { out += t; });
    let prev = 0;
    for (const c of [...at, text.length]) { f.push(text.slice(prev, c)); prev = c; }
    f.end();
    assert.equal(out, expected);
  }));
});

test('a progress redraw passes at once; only a possible clamp waits for its line end', () => {
  let out = '';
  const f = lineFilter(DAWN_HARMLESS_WARNING, 'Warning: maxDynamic', (t) => { out += t; });
  f.push('step 1/9 [#.......] 11%\r');
  assert.equal(out, 'step 1/9 [#.......] 11%\r');
  f.push('Warning: maxDyn');
  assert.equal(out, 'step 1/9 [#.......] 11%\r', 'held');
  f.push('amicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16.\nok\n');
  assert.equal(out, 'step 1/9 [#.......] 11%\rok\n');
});

test('loadsDawn: a WebGPU backend named, in either flag form, or doctor', () => {
  assert.ok(loadsDawn(['sample', '--backend', 'webgpu']));
  assert.ok(loadsDawn(['train-ar', '--backend=onnx-webgpu']));
  assert.ok(loadsDawn(['doctor']));
  assert.ok(!loadsDawn(['sample', '--backend', 'wasm']));
  assert.ok(!loadsDawn(['demo']));
  assert.ok(!loadsDawn(['sample', '--out', 'webgpu']));
});

const cli = (...argv: string[]) => spawnSync(process.execPath, ['bin/detailflow.mjs', ...argv], { encoding: 'utf8', timeout: 240_000 });

test('detailflow doctor --backend webgpu (Dawn loaded on lavapipe) prints its report and no clamp; exit codes pass through', () => {
  const r = cli('doctor', '--backend', 'webgpu');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /webgpu\s+ok\s+max \|diff\| vs cpu/);
  assert.doesNotMatch(r.stderr, /artificially reduced/);
  const bad = cli('doctor', '--backend', 'tpu');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown backend 'tpu'/);
});
