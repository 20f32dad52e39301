import { attrsEqual, makeNode, type Node } from '../ir/node.ts';
import { topoSort } from '../ir/topo.ts';

/**
 * Common-subexpression elimination: structurally equal nodes (same op, attrs, aval and
 * canonical inputs) are merged. Hash matches are re-checked, so collisions cannot merge
 * different nodes.
 */
export const cse = (outputs: readonly Node[]): Node[] => {
  const canon = new Map<Node, Node>();
  const buckets = new Map<number, Node[]>();
  for (const n of topoSort(outputs)) {
    const inputs = n.inputs.map((i) => canon.get(i) as Node);
    const rebuilt = inputs.every((x, j) => x === n.inputs[j]) ? n : makeNode(n.op, inputs, n.attrs, n);
    const bucket = buckets.get(rebuilt.hash) ?? [];
    const same = bucket.find((m) => m.op === rebuilt.op && m.dtype === rebuilt.dtype
      && m.shape.length === rebuilt.shape.length && m.shape.every((d, i) => d === rebuilt.shape[i])
      && m.inputs.length === rebuilt.inputs.length && m.inputs.every((x, j) => x === rebuilt.inputs[j])
      && attrsEqual(m.attrs, rebuilt.attrs));
    if (same) canon.set(n, same);
    else {
      bucket.push(rebuilt);
      buckets.set(rebuilt.hash, bucket);
      canon.set(n, rebuilt);
    }
  }
  return outputs.map((o) => canon.get(o) as Node);
};
