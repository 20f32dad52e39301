import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release } from '../../src/compile/compile.ts';
import { type DeviceArray } from '../../src/compile/device-array.ts';
import { hostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { linearWarmup, warmupCosine } from '../../src/train/schedule.ts';
import { refWarmupCosine } from './reference.ts';

const cfgArb = fc.record({
  peak: fc.double({ min: 1e-5, max: 1, noNaN: true }),
  floorFrac: fc.double({ min: 0, max: 1, noNaN: true }),
  warmupSteps: fc.integer({ min: 0, max: 50 }),
  decay: fc.integer({ min: 0, max: 500 }),
}).map((c) => ({ peak: c.peak, floor: c.peak * c.floorFrac, warmupSteps: c.warmupSteps, totalSteps: c.warmupSteps + c.decay }));

const near = (a: number, b: number, scale: number) => Math.abs(a - b) <= 1e-6 * scale + 1e-12;

test('warmupCosine (host): linear warmup, peak at the end of warmup, floor at totalSteps and after', () => {
  fc.assert(fc.property(cfgArb, (c) => {
    const s = warmupCosine(c);
    for (let t = 0; t < c.warmupSteps; t++) assert.ok(near(s.host(t), (c.peak * t) / c.warmupSteps, c.peak), `warmup at ${t}`);
    assert.ok(near(s.host(c.warmupSteps), c.peak, c.peak), 'peak at warmupSteps');
    if (c.totalSteps > c.warmupSteps) assert.ok(near(s.host(c.totalSteps), c.floor, c.peak), 'floor at totalSteps');
    assert.ok(near(s.host(c.totalSteps + 17), c.floor, c.peak), 'floor after totalSteps');
  }));
});

test('warmupCosine (host): non-increasing after warmup, within [floor, peak]; equals an independent reference', () => {
  fc.assert(fc.property(cfgArb, (c) => {
    const s = warmupCosine(c);
    let prev = Infinity;
    for (let t = c.warmupSteps; t <= c.totalSteps + 3; t++) {
      const v = s.host(t);
      assert.ok(v <= prev + 1e-12 * c.peak, `increases at ${t}`);
      assert.ok(v >= c.floor - 1e-12 && v <= c.peak + 1e-12, `out of [floor, peak] at ${t}`);
      assert.ok(near(v, refWarmupCosine(t, c), c.peak), `reference at ${t}`);
      prev = v;
    }
  }));
});

test('warmupCosine: the graph form of a float32 step equals the host form', async () => {
  await fc.assert(fc.asyncProperty(cfgArb, async (c) => {
    const s = warmupCosine(c);
    const steps = Float32Array.from({ length: c.totalSteps + 5 }, (_, i) => i);
    const fn = compile((t: Node) => s.graph(t), { backend: 'cpu' });
    const out = await fn.run(hostArray(steps, [steps.length])) as DeviceArray;
    const got = (await out.host()).data;
    release(out);
    fn.dispose();
    steps.forEach((t, i) => {
      const want = s.host(t);
      assert.ok(Math.abs(got[i] - want) <= 2e-6 * c.peak + 1e-9, `step ${t}: graph ${got[i]} vs host ${want}`);
    });
  }), { numRuns: 30 });
});

test('linearWarmup: 0 at step 0, linear, then constant at peak (host and graph agree)', async () => {
  const s = linearWarmup({ peak: 0.5, warmupSteps: 4 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 100].map(s.host), [0, 0.125, 0.25, 0.375, 0.5, 0.5, 0.5]);
  const fn = compile((t: Node) => s.graph(t), { backend: 'cpu' });
  const out = await fn.run(hostArray(Float32Array.of(0, 1, 2, 3, 4, 5, 100), [7])) as DeviceArray;
  assert.deepEqual(Array.from((await out.host()).data), [0, 0.125, 0.25, 0.375, 0.5, 0.5, 0.5]);
  release(out);
});
