import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';
import type { Tree } from '../tree/tree.ts';
import type { Schedule } from './schedule.ts';

/** A learning rate: a constant or a schedule of the optimiser's step count. */
export type LearningRate = number | Schedule;

/** Anything with a shape: host arrays, device arrays, graph nodes (for building zero states). */
export interface Shaped {
  readonly shape: Shape;
}

/**
 * An optimiser is a pair of pure functions on trees of graph values, so a whole training step
 * (forward, backward, update) compiles into one plan. `S` is the state with graph leaves.
 */
export interface Optimizer<S> {
  /** The initial state as graph values (zeros), for use inside a traced function. */
  init(params: Tree<Node>): S;
  /** The same initial state as host arrays, to pass to a compiled step on its first call. */
  initHost(params: Tree<Shaped> | object): Tree<HostArray>;
  /** The learning rate the next update will use (its schedule at the state's step). */
  learningRate(state: S): Node;
  /** One update; `lr` overrides the configured learning rate. */
  update<P extends Tree<Node>>(grads: P, state: S, params: P, lr?: Node | number): { params: P; state: S };
}
