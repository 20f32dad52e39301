import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('the embedded wasm kernels are assembled from their .wat sources (not stale)', () => {
  const r = spawnSync(process.execPath, ['scripts/build-wasm-kernels.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
