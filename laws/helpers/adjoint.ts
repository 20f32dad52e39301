import type { Node } from '../../src/ir/node.ts';
import * as o from '../../src/ops/index.ts';
import { compile } from '../../src/compile/compile.ts';
import type { HostArray } from '../../src/ir/host-array.ts';
import { vjp } from '../../src/transforms/grad.ts';
import { keyFromSeed } from '../../src/random/key.ts';
import type { BackendName } from '../../src/compile/backend.ts';

const EPS = 1e-2;

export interface AdjointResult { readonly jtv: number; readonly fd: number; readonly linearityGap: number; readonly scale: number }

/**
 * The adjoint identity <u, J^T v> = <J u, v> with J u from central differences in one random
 * direction u (as JAX's check_vjp), plus linearity of the VJP in v: one compiled graph per case.
 */
export const adjointCheck = async (
  apply: (xs: Node[]) => Node, inputs: readonly HostArray[], diff: readonly number[], seed: number, backend: BackendName = 'cpu',
): Promise<AdjointResult> => {
  const f = compile((xs: Node[], key: Node) => {
    const ks = o.splitKeys(key, inputs.length + 2);
    const us = xs.map((x, i) => o.normal(ks[i], x.shape));
    const y = apply(xs);
    const v1 = o.normal(ks[inputs.length], y.shape);
    const v2 = o.normal(ks[inputs.length + 1], y.shape);
    const sub = (p: Node[]) => apply(xs.map((x, i) => (diff.includes(i) ? p[diff.indexOf(i)] : x)));
    const [, pull] = vjp((p: Node[]) => sub(p), diff.map((i) => xs[i]));
    const dot = (gs: Node[]) => gs.reduce((acc: Node, g, j) => o.add(acc, o.sum(o.mul(g, us[diff[j]]))), o.scalar(0));
    const shifted = (s: number) => o.sum(o.mul(sub(diff.map((i) => o.add(xs[i], o.mul(us[i], s * EPS)))), v1));
    const g1 = pull(v1) as Node[];
    // a cotangent must have its input's shape: the dot products below would broadcast a wrong one away
    g1.forEach((g, j) => {
      const want = xs[diff[j]].shape;
      if (g.shape.join() !== want.join()) throw new Error(`the cotangent of input ${diff[j]} has shape [${g.shape}], the input [${want}]`);
    });
    const g2 = pull(v2) as Node[];
    const g12 = pull(o.add(o.mul(v1, 0.7), o.mul(v2, -1.3))) as Node[];
    const gap = g12.reduce((acc: Node, g, j) => o.maximum(acc, o.max(o.abs(o.sub(g, o.add(o.mul(g1[j], 0.7), o.mul(g2[j], -1.3)))))), o.scalar(0));
    return { jtv: dot(g1), fp: shifted(1), fm: shifted(-1), gap, scale: o.add(o.sum(o.abs(o.mul(y, v1))), 1) };
  }, { backend, checkShapes: true });
  const out = await f.run([...inputs], keyFromSeed(seed));
  const read = async (k: keyof typeof out) => (await out[k].host()).data[0];
  const [jtv, fp, fm, gap, scale] = await Promise.all([read('jtv'), read('fp'), read('fm'), read('gap'), read('scale')]);
  Object.values(out).forEach((d) => d.release());
  f.dispose();
  return { jtv, fd: (fp - fm) / (2 * EPS), linearityGap: gap, scale };
};
