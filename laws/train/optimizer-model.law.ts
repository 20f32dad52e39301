import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compile, release, toHost, type Compiled } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { keyFromSeed, normalHost } from '../../src/random/key.ts';
import type { Tree } from '../../src/tree/tree.ts';
import { adamw, type AdamState } from '../../src/train/adam.ts';
import { warmupCosine } from '../../src/train/schedule.ts';
import { closeness } from '../helpers/close.ts';
import { refAdamInit, refAdamwStep, refWarmupCosine, type RefAdamState } from './reference.ts';
import { carve, hostLeaves, leafShapesArb, nest, poolArb } from './trees.ts';

/** k optimiser steps, compiled (float32, device arrays carried between steps) vs the float64 host model. */
const HYPER = { b1: Math.fround(0.9), b2: Math.fround(0.99), eps: Math.fround(1e-6), weightDecay: Math.fround(0.05) };
const SCHED = { peak: 0.05, warmupSteps: 3, totalSteps: 10, floor: 0.005 };

/** Leaves in canonical (flatten) order; `genShapes` in generation order, to build gradient trees like the params. */
interface Model { params: Float64Array[]; state: RefAdamState; paths: string[]; decays: boolean[]; genShapes: number[][] }
interface Real { params: unknown; state: unknown; step: Compiled<unknown> }

const compare = async (m: Model, r: Real): Promise<void> => {
  const host = await toHost({ params: r.params, state: r.state }) as unknown as { params: Tree<HostArray>; state: { step: HostArray; mu: Tree<HostArray>; nu: Tree<HostArray> } };
  assert.equal(host.state.step.data[0], m.state.step, 'step count');
  const atol = 1e-6 + (m.state.step + 1) * SCHED.peak * 2e-4;
  hostLeaves(host.params).leaves.forEach((l, i) => assert.ok(closeness(l.data, m.params[i], atol, 1e-5) <= 1, `param ${m.paths[i]}: ${Array.from(l.data)} vs ${Array.from(m.params[i])}`));
  hostLeaves(host.state.mu).leaves.forEach((l, i) => assert.ok(closeness(l.data, m.state.mu[i], 1e-6, 1e-4) <= 1, `mu ${m.paths[i]}`));
  hostLeaves(host.state.nu).leaves.forEach((l, i) => assert.ok(closeness(l.data, m.state.nu[i], 1e-6, 1e-4) <= 1, `nu ${m.paths[i]}`));
};

class StepCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly seed: number, readonly scale: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    const grads = m.genShapes.map((s, i) => hostArray(normalHost(keyFromSeed(this.seed * 8 + i), s.reduce((a, b) => a * b, 1)).map((v) => v * this.scale), s));
    const g = hostLeaves(nest(grads)).leaves;
    const lr = refWarmupCosine(m.state.step, SCHED);
    const next = refAdamwStep(m.params, g.map((l) => l.data), m.state, { lr, ...HYPER }, m.decays, lr);
    m.params = next.params;
    m.state = next.state;
    const out = await r.step.run(r.params, r.state, nest(grads)) as { params: unknown; state: unknown };
    release([r.params, r.state]);
    r.params = out.params;
    r.state = out.state;
    await compare(m, r);
  }
  toString = () => `step(seed=${this.seed}, scale=${this.scale})`;
}

test('adamw + warmupCosine: k compiled steps track the float64 model (fc.commands)', async () => {
  const opt = adamw({ lr: warmupCosine(SCHED), ...HYPER });
  const step = compile((p: Tree<Node>, s: AdamState, g: Tree<Node>) => opt.update(g, s, p), { backend: 'cpu' }) as Compiled<unknown>;
  const cmds = [fc.tuple(fc.nat(1000), fc.constantFrom(1e-3, 0.1, 1, 10)).map(([s, k]) => new StepCmd(s, k))];
  await fc.assert(fc.asyncProperty(fc.record({ shapes: leafShapesArb(), pool: poolArb() }), fc.commands(cmds, { maxCommands: 8 }), async ({ shapes, pool }, commands) => {
    const params = carve(shapes, pool);
    const { leaves, paths } = hostLeaves(nest(params));
    const model: Model = {
      params: leaves.map((l) => Float64Array.from(l.data)), state: refAdamInit(leaves.map((l) => l.data.length)),
      paths, decays: leaves.map((l) => l.shape.length >= 2), genShapes: shapes,
    };
    const real: Real = { params: nest(params), state: opt.initHost(nest(params)), step };
    await fc.asyncModelRun(() => ({ model, real }), commands);
    release([real.params, real.state]);
  }), { numRuns: 15 });
});
