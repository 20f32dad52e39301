import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { runOnce } from '../../src/compile/compile.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { ready } from '../../laws/helpers/backends.ts';

test('the embedded wasm kernels are assembled from their .wat sources (not stale)', () => {
  const r = spawnSync(process.execPath, ['scripts/build-wasm-kernels.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('one tensor as the right operand of two products under different shapes stays correct on wasm', async () => {
  // tfjs-wasm caches XNNPACK operators by the right operand's data alone; without the copy in
  // matmul's wasm lowering the second product reuses the first's operator and corrupts the heap
  const x = { shape: [8, 6], dtype: 'float32' as const, data: Float32Array.from({ length: 48 }, (_, i) => (i % 7) - 3) };
  const fn = ([v]: Node[]) => [
    o.matmul(o.ones([1, 8]), v), o.matmul(o.ones([1, 12]), o.reshape(v, [12, 4])), o.matmul(o.ones([2, 16]), o.reshape(v, [16, 3])),
  ];
  const results: Record<string, number[][]> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await ready(backend);
    const out = await runOnce(fn, [[x]], { backend }) as unknown as { data: Float32Array }[];
    results[backend] = out.map((r) => Array.from(r.data));
  }
  assert.deepEqual(results.wasm, results.cpu);
});
