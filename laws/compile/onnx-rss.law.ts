// Repeated runs of one compiled plan on onnx-cpu do not grow the process's memory: 1000 runs
// after a warm-up (every run uploads its inputs, draws its random numbers on the host, runs the
// session and reads a 1 MiB result back) leave the resident set within a bound far below what
// keeping any per-run buffer would cost (1000 x 1 MiB), and the live ORT buffer count unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { foldIn, keyFromSeed, normalHost } from '../../src/random/key.ts';
import { liveArrays, ready } from '../helpers/backends.ts';

const RUNS = 1000;
const WARMUP = 100;
const SIDE = 512; // a [512, 512] float32 result: 1 MiB per run
const BOUND_MB = 48;

test(`${RUNS} runs of one plan on onnx-cpu keep the resident set within ${BOUND_MB} MB`, async () => {
  await ready('onnx-cpu');
  const f = compile((x: Node, w: Node, k: Node) => o.add(o.tanh(o.matmul(x, w)), o.uniform(k, [SIDE, 1])), { backend: 'onnx-cpu' });
  const x = hostArray(normalHost(keyFromSeed(1), SIDE * 8), [SIDE, 8]);
  const w = hostArray(normalHost(keyFromSeed(2), 8 * SIDE), [8, SIDE]);
  const key = keyFromSeed(3);
  let checksum = 0;
  const run = async (i: number) => {
    const out = await f.host(x, w, foldIn(key, i));
    checksum += out.data[i % out.data.length];
  };
  for (let i = 0; i < WARMUP; i++) await run(i);
  const live = liveArrays('onnx-cpu');
  const before = process.memoryUsage().rss;
  let peak = before;
  for (let i = 0; i < RUNS; i++) {
    await run(WARMUP + i);
    if (i % 50 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const after = process.memoryUsage().rss;
  peak = Math.max(peak, after);
  const grew = (peak - before) / 2 ** 20;
  assert.ok(Number.isFinite(checksum));
  assert.equal(liveArrays('onnx-cpu'), live, 'ORT buffers live after the runs');
  assert.equal(f.planCount, 1);
  assert.ok(grew < BOUND_MB, `resident set grew by ${grew.toFixed(1)} MB over ${RUNS} runs (bound ${BOUND_MB} MB; keeping each run's result would cost ${RUNS} MB)`);
});
