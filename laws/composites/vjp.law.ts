import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { runOnce } from '../../src/compile/compile.ts';
import { hostArray, type HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import { sizeOf } from '../../src/ir/shape.ts';
import { vjp } from '../../src/transforms/grad.ts';
import { adjointCheck } from '../helpers/adjoint.ts';
import { ready } from '../helpers/backends.ts';
import { normals, type Arr } from '../helpers/host64.ts';
import { compositeSpecs } from './specs.ts';
import type { CompositeSpec } from './spec.ts';

/** Step of the float64 central differences: truncation ~h^2 and rounding ~1e-16/h both stay below 1e-8. */
const H = 1e-5;

/**
 * <J u, v> by central differences of the float64 reference, summed per element so that huge
 * constant entries (-1e30 for masked logits) cancel exactly instead of swamping the sum.
 */
const centralDifference = (f: (xs: readonly Arr[]) => Arr, xs: readonly Arr[], diff: readonly number[], us: readonly Float32Array[], v: Float32Array): number => {
  const shifted = (s: number) => f(xs.map((x, i) => {
    const j = diff.indexOf(i);
    return j < 0 ? x : { data: Float64Array.from(x.data, (a, k) => a + s * H * us[j][k]), shape: x.shape };
  }));
  const [yp, ym] = [shifted(1), shifted(-1)];
  let total = 0;
  for (let k = 0; k < v.length; k++) total += v[k] * (yp.data[k] - ym.data[k]);
  return total / (2 * H);
};

const checkCase = async (name: string, spec: CompositeSpec, inputs: HostArray[], statics: readonly number[], seed: number): Promise<void> => {
  const host = spec.host!;
  const want = host(inputs, statics);
  const us = spec.diff.map((i, j) => normals(seed + 101 * (j + 1), inputs[i].data.length));
  const v = normals(seed, sizeOf(want.shape));
  const cot = hostArray(v, want.shape);
  const out = await runOnce((...args: Node[]) => {
    const xs = args.slice(0, inputs.length);
    const y = spec.apply(xs, statics);
    if (spec.diff.length === 0) return { y, g: [] };
    const sub = (p: Node[]) => spec.apply(xs.map((x, i) => (spec.diff.includes(i) ? p[spec.diff.indexOf(i)] : x)), statics);
    const [, pull] = vjp(sub, spec.diff.map((i) => xs[i]));
    return { y, g: pull(args[inputs.length]) };
  }, [...inputs, cot], { backend: 'cpu' }) as unknown as { y: HostArray; g: HostArray[] };
  const tol = spec.tol ?? 1e-3;
  assert.deepEqual([...out.y.shape], [...want.shape], `${name}: shape`);
  out.y.data.forEach((a, k) => {
    const b = want.data[k];
    assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${name}: value ${k} is ${a}, float64 reference ${b}`);
  });
  if (spec.diff.length === 0) return;
  let jtv = 0;
  let scale = 0;
  out.g.forEach((g, j) => g.data.forEach((gk, k) => { jtv += gk * us[j][k]; scale += Math.abs(gk * us[j][k]); }));
  const fd = centralDifference((xs) => (spec.surrogate ?? host)(xs, statics, inputs), inputs, spec.diff, us, v);
  assert.ok(Math.abs(jtv - fd) <= tol * (1 + scale + Math.abs(fd)), `${name}: <u, J^T v> = ${jtv} but float64 central differences give ${fd}`);
};

// Every composite: value against its float64 reference, and the adjoint identity
// <u, J^T v> = <J u, v> with J u from central differences of that reference (JAX's check_vjp).
for (const [name, spec] of Object.entries(compositeSpecs)) {
  test(`composite ${name}: ${spec.host ? 'value and VJP agree with float64' : 'VJP agrees with float32'} central differences`, async () => {
    await ready('cpu');
    await fc.assert(fc.asyncProperty(spec.gen, fc.nat(1 << 20), async ({ inputs, statics }, seed) => {
      if (spec.host) return checkCase(name, spec, inputs, statics, seed);
      const r = await adjointCheck((xs) => spec.apply(xs, statics), inputs, spec.diff, seed);
      const tol = (spec.tol ?? 2e-2) * (1 + Math.abs(r.jtv) + Math.abs(r.fd));
      assert.ok(Math.abs(r.jtv - r.fd) <= tol, `${name}: <u, J^T v> = ${r.jtv} but float32 finite differences give ${r.fd}`);
    }), { numRuns: 12 });
  });
}
