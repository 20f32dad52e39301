import * as tf from '@tensorflow/tfjs-core';
import { registry } from '../primitives/registry.ts';
import type { Lowering, PrimitiveDef, Value } from '../primitives/primitive.ts';
import type { Prim } from '../primitives/attrs.ts';
import { GraphError } from '../ir/errors.ts';
import { describeNode } from '../ir/print.ts';
import { isKey } from '../random/key.ts';
import type { TfBackendName } from './backend.ts';
import type { ExecOptions } from './exec-options.ts';
import type { Plan } from './plan.ts';


const loweringFor = (op: Prim, backend: TfBackendName): Lowering<Prim> => {
  const def = registry[op] as PrimitiveDef<Prim>;
  return def.kernels?.[backend] ?? def.lower;
};

const isTensor = (v: Value): v is tf.Tensor => !isKey(v);

/**
 * Runs a plan on the active backend. The executor owns every intermediate: each is disposed
 * right after its last use; inputs stay with the caller, constants with the plan, and outputs
 * are handed over to the caller.
 */
export const executePlan = (plan: Plan, inputs: readonly Value[], constants: readonly Value[], backend: TfBackendName, opts: ExecOptions = {}): Value[] => {
  const slots = new Array<Value | undefined>(plan.nodeCount);
  plan.inputSlots.forEach((s, i) => { if (s !== undefined) slots[s] = inputs[i]; });
  plan.constants.forEach((c, i) => { slots[c.slot] = constants[i]; });
  const owned = new Set<number>();
  try {
    for (let i = 0; i < plan.steps.length; i++) {
      const step = plan.steps[i];
      const args = step.args.map((s) => slots[s] as Value);
      const lower = loweringFor(step.node.op, backend);
      const result = tf.tidy(() => lower(args, step.node.attrs as never, step.node) as tf.Tensor) as Value;
      const slotIdx = step.out;
      slots[slotIdx] = result;
      owned.add(slotIdx);
      if (isTensor(result)) {
        if (opts.checkShapes && result.shape.join() !== step.node.shape.join()) {
          throw new GraphError('shape', step.node.op, `executed shape [${result.shape}] differs from the shape rule's [${step.node.shape}]`);
        }
        if (opts.checkNumerics && result.dtype === 'float32' && tf.tidy(() => tf.logicalNot(tf.all(tf.isFinite(result))).dataSync()[0])) {
          throw new GraphError('nonfinite', step.node.op, `produced a non-finite value at step ${i} (${describeNode(step.node)})`);
        }
      }
      for (const f of step.free) {
        const v = slots[f];
        if (v && isTensor(v) && owned.has(f)) v.dispose();
        slots[f] = undefined;
        owned.delete(f);
      }
    }
  } catch (e) {
    for (const s of owned) { const v = slots[s]; if (v && isTensor(v)) v.dispose(); }
    throw e;
  }
  // hand over outputs; anything the caller or the plan still owns (inputs, constants, repeats) is cloned
  const handed = new Set<number>();
  const outs = plan.outputSlots.map((s) => {
    const v = slots[s] as Value;
    if (!isTensor(v)) return v;
    if (owned.has(s) && !handed.has(s)) { handed.add(s); return v; }
    return tf.clone(v);
  });
  for (const s of owned) if (!handed.has(s)) { const v = slots[s]; if (v && isTensor(v)) v.dispose(); }
  return outs;
};
