import { compile, type CompileOptions, type Compiled } from '../compile/compile.ts';
import type { Node } from '../ir/node.ts';
import type { Tree } from '../tree/tree.ts';
import { valueAndGradWithAux } from '../transforms/grad.ts';
import { clipByGlobalNorm } from './clip.ts';
import type { Optimizer } from './optimizer.ts';
import { globalNorm } from './tree-math.ts';

export interface TrainStepOptions extends CompileOptions {
  /** Clip gradients to this global L2 norm before the update (off by default). */
  readonly clip?: number;
}

/** What one step returns: new parameters and state, the loss, the gradient norm before clipping, the lr used. */
export interface StepOutput<P, S> {
  readonly params: P;
  readonly state: S;
  readonly loss: Node;
  readonly gradNorm: Node;
  readonly lr: Node;
}

/** The traced step: forward, backward, optional clipping and the optimiser update, as one graph. */
export const stepFn = <P extends Tree<Node>, S, B extends unknown[]>(
  lossFn: (params: P, ...batch: B) => Node, optimizer: Optimizer<S>, clip?: number,
) => (params: P, state: S, ...batch: B): StepOutput<P, S> => {
  const { aux: _aux, ...out } = stepFnWithAux((p: P, ...b: B) => [lossFn(p, ...b), {}] as [Node, Record<string, never>], optimizer, clip)(params, state, ...batch);
  return out;
};

/** The same step for a loss that also reports named metrics (from the same forward pass). */
export const stepFnWithAux = <P extends Tree<Node>, S, B extends unknown[], X>(
  lossFn: (params: P, ...batch: B) => [Node, X], optimizer: Optimizer<S>, clip?: number,
) => (params: P, state: S, ...batch: B): StepOutput<P, S> & { readonly aux: X } => {
  const { loss, aux, grads } = gradientsWithAux(lossFn)(params, ...batch);
  return { ...applyGradients(optimizer, clip)(params, state, grads), loss, aux };
};

/**
 * The first half of a step: the loss, its metrics and the gradients, without the update. A
 * data-parallel replica runs this on its shard; the averaged gradients then go to applyGradients.
 */
export const gradientsWithAux = <P extends Tree<Node>, B extends unknown[], X>(lossFn: (params: P, ...batch: B) => [Node, X]) =>
  (params: P, ...batch: B): { readonly loss: Node; readonly aux: X; readonly grads: P } => {
    const [loss, aux, grads] = valueAndGradWithAux(lossFn)(params, ...batch);
    return { loss, aux, grads };
  };

/** The second half: optional clipping by the global norm, then the optimiser's update. */
export const applyGradients = <S>(optimizer: Optimizer<S>, clip?: number) =>
  <P extends Tree<Node>>(params: P, state: S, grads: P): Omit<StepOutput<P, S>, 'loss'> => {
    const clipped = clip === undefined ? { grads, norm: globalNorm(grads) } : clipByGlobalNorm(grads, clip);
    const lr = optimizer.learningRate(state);
    const next = optimizer.update(clipped.grads, state, params, lr);
    return { params: next.params, state: next.state, gradNorm: clipped.norm, lr };
  };

/**
 * One compiled training step (params, state, ...batch) -> { params, state, loss, gradNorm, lr }.
 * The step count lives in the optimiser state, so the schedule and the bias correction read the
 * same counter. Batch arguments are whatever lossFn takes after the parameters (arrays, keys).
 * The step consumes the parameters and state it is given (donated), so a loop holds one copy of
 * each, and reads the scalars back to the host.
 */
export const trainStep = <P extends Tree<Node>, S, B extends unknown[]>(
  lossFn: (params: P, ...batch: B) => Node, optimizer: Optimizer<S>, opts: TrainStepOptions = {},
): Compiled<StepOutput<P, S>, 'loss' | 'gradNorm' | 'lr'> =>
  compile(stepFn(lossFn, optimizer, opts.clip), { name: 'trainStep', ...opts, donate: [0, 1], hostOutputs: ['loss', 'gradNorm', 'lr'] });
