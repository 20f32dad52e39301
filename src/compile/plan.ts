import type { Node } from '../ir/node.ts';
import type { PrimNode } from '../primitives/attrs.ts';
import { isPrimNode } from '../primitives/registry.ts';
import { topoSort } from '../ir/topo.ts';
import { cse } from '../transforms/cse.ts';
import { GraphError } from '../ir/errors.ts';

/** One step of a plan: evaluate `node` from the values in `args` slots. */
export interface Step {
  readonly node: PrimNode;
  /** Slot the result goes to. */
  readonly out: number;
  readonly args: readonly number[];
  /** Slots whose last use is this step: freed right after it. */
  readonly free: readonly number[];
}

/** A lowered graph: every node has a slot; inputs and constants are bound before the steps run. */
export interface Plan {
  readonly inputSlots: readonly (number | undefined)[];
  readonly constants: readonly { slot: number; node: Node }[];
  readonly steps: readonly Step[];
  readonly outputSlots: readonly number[];
  readonly nodeCount: number;
}

export const makePlan = (outputs: readonly Node[], inputCount: number): Plan => {
  const outs = cse(outputs);
  const order = topoSort(outs);
  const slot = new Map<Node, number>(order.map((n, i) => [n, i]));
  const inputSlots: (number | undefined)[] = new Array(inputCount).fill(undefined);
  const constants: { slot: number; node: Node }[] = [];
  const lastUse = new Map<number, number>();
  const compute: PrimNode[] = [];
  for (const n of order) {
    if (n.op === 'input') {
      const idx = (n.attrs as { index: number }).index;
      if (idx >= inputCount) {
        throw new GraphError('input', 'compile', `the graph uses input ${idx} but only ${inputCount} were traced; a graph value from another trace leaked in (dangling input)`);
      }
      inputSlots[idx] = slot.get(n);
    } else if (n.op === 'constant') constants.push({ slot: slot.get(n) as number, node: n });
    else if (isPrimNode(n)) compute.push(n);
    else throw new GraphError('input', n.op, 'not a primitive: nodes are built with bind, which knows every primitive');
  }
  compute.forEach((n, stepIdx) => n.inputs.forEach((x) => lastUse.set(slot.get(x) as number, stepIdx)));
  const outputSlots = outs.map((o) => slot.get(o) as number);
  const keep = new Set<number>([...outputSlots, ...inputSlots.filter((s): s is number => s !== undefined), ...constants.map((c) => c.slot)]);
  const steps = compute.map((n, stepIdx) => {
    const args = n.inputs.map((x) => slot.get(x) as number);
    const free = [...new Set(args)].filter((s) => lastUse.get(s) === stepIdx && !keep.has(s));
    return { node: n, out: slot.get(n) as number, args, free };
  });
  // results nobody reads (e.g. a dead branch) are freed right away
  const used = new Set(lastUse.keys());
  const withDead = steps.map((s) => (used.has(s.out) || keep.has(s.out) ? s : { ...s, free: [...s.free, s.out] }));
  return { inputSlots, constants, steps: withDead, outputSlots, nodeCount: order.length };
};
