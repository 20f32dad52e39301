import type { Node } from '../ir/node.ts';
import { topoSort } from '../ir/topo.ts';
import { isPrimNode, registry } from '../primitives/registry.ts';
import type { PrimitiveDef } from '../primitives/primitive.ts';
import type { Prim } from '../primitives/attrs.ts';
import { add } from '../ops/elementwise.ts';
import { zeros } from '../ops/constants.ts';
import { GraphError } from '../ir/errors.ts';

/**
 * Reverse-mode AD as a graph transform: given an output, its cotangent and the nodes to
 * differentiate with respect to, returns cotangent nodes for each (zeros where unreachable).
 * Cotangents are accumulated by building `add` nodes, never by mutation of shared state.
 */
export const vjpGraph = (output: Node, ct: Node, wrt: readonly Node[]): Node[] => {
  if (ct.shape.join() !== output.shape.join()) {
    throw new GraphError('shape', 'vjp', `cotangent shape [${ct.shape}] differs from output shape [${output.shape}]`);
  }
  const order = topoSort([output]);
  const wanted = new Set(wrt);
  // only nodes on a path to a wrt node need cotangents
  const relevant = new Set<Node>();
  for (const n of order) if (wanted.has(n) || n.inputs.some((i) => relevant.has(i))) relevant.add(n);
  const cts = new Map<Node, Node>([[output, ct]]);
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    const g = cts.get(node);
    if (!g || wanted.has(node) && node.inputs.length === 0) continue;
    if (!node.inputs.some((x) => relevant.has(x))) continue;
    if (!isPrimNode(node)) throw new GraphError('input', node.op, 'not a primitive: nodes are built with bind, which knows every primitive');
    const def = registry[node.op] as PrimitiveDef<Prim>;
    if (!def.vjp) continue;
    const inCts = def.vjp(g, node);
    node.inputs.forEach((x, j) => {
      const c = inCts[j];
      if (!c || !relevant.has(x) || x.dtype !== 'float32') return;
      const prev = cts.get(x);
      cts.set(x, prev ? add(prev, c) : c);
    });
  }
  return wrt.map((w) => cts.get(w) ?? zeros(w.shape, w.dtype === 'float32' ? 'float32' : w.dtype));
};
