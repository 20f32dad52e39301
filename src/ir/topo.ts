import type { Node } from './node.ts';

/** Post-order over the graph reachable from `roots` (inputs before users), iterative to survive deep graphs. */
export const topoSort = (roots: readonly Node[]): Node[] => {
  const order: Node[] = [];
  const state = new Map<Node, 1 | 2>(); // 1 = on stack, 2 = done
  for (const root of roots) {
    const stack: [Node, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i === 0) {
        if (state.get(node) === 2) { stack.pop(); continue; }
        state.set(node, 1);
      }
      if (i < node.inputs.length) {
        top[1] = i + 1;
        const child = node.inputs[i];
        const s = state.get(child);
        if (s === 1) throw new Error(`cycle through ${child.op}`);
        if (s !== 2) stack.push([child, 0]);
      } else {
        state.set(node, 2);
        order.push(node);
        stack.pop();
      }
    }
  }
  return order;
};
