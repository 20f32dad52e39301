import type { Node } from './node.ts';
import { topoSort } from './topo.ts';

const showAttrs = (n: Node): string => {
  const entries = Object.entries(n.attrs).map(([k, v]) =>
    ArrayBuffer.isView(v) ? `${k}=<${'length' in v ? v.length : v.byteLength}>` : `${k}=${JSON.stringify(v)}`);
  return entries.length ? `{${entries.join(', ')}}` : '';
};

/** SSA-style listing of a graph, for snapshots and error messages. */
export const printGraph = (outputs: readonly Node[]): string => {
  const order = topoSort(outputs);
  const names = new Map<Node, string>();
  const lines = order.map((n, i) => {
    names.set(n, `%${i}`);
    const args = n.inputs.map((x) => names.get(x)).join(' ');
    return `%${i}: ${n.dtype}[${n.shape.join(',')}] = ${n.op}${showAttrs(n)}${args ? ` ${args}` : ''}`;
  });
  lines.push(`return ${outputs.map((o) => names.get(o)).join(', ')}`);
  return lines.join('\n');
};

export const describeNode = (n: Node): string => `${n.op}${showAttrs(n)} -> ${n.dtype}[${n.shape.join(', ')}]`;
