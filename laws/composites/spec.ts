import fc from 'fast-check';
import type { HostArray } from '../../src/ir/host-array.ts';
import type { Node } from '../../src/ir/node.ts';
import type { Arr } from '../helpers/host64.ts';

/**
 * One spec per composite (a function of ops that builds a graph): its domain, the graph, a
 * float64 reference, which inputs are differentiable and the tolerance. The composite VJP law
 * checks the value against the reference and <u, J^T v> against float64 central differences of
 * the reference; the coverage law fails when an exported composite has neither a spec nor an
 * exemption with a reason.
 */
/** Inputs, plus static numbers (axes, k, flags) that shape the graph rather than flow through it. */
export interface Case {
  readonly inputs: HostArray[];
  readonly statics: readonly number[];
}

export interface CompositeSpec {
  readonly gen: fc.Arbitrary<Case>;
  readonly apply: (xs: Node[], statics: readonly number[]) => Node;
  /**
   * Float64 reference of the value. Absent only for whole layers built from specced pieces
   * (attention blocks): those are checked by float32 central differences on the device.
   */
  readonly host?: (xs: readonly Arr[], statics: readonly number[]) => Arr;
  /**
   * The function whose derivative the VJP must be, where that is not the value's: the
   * straight-through estimator, or stopGradient holding a term where it was (`at`, the inputs
   * before the finite-difference shift).
   */
  readonly surrogate?: (xs: readonly Arr[], statics: readonly number[], at: readonly Arr[]) => Arr;
  /** Inputs whose cotangent is checked; empty: a value check only (nothing to differentiate). */
  readonly diff: readonly number[];
  /** Relative tolerance of value and gradient (default 1e-3: float32 graph against float64). */
  readonly tol?: number;
}

export type SpecTable = Readonly<Record<string, CompositeSpec>>;

/** Generates the inputs from a list of arbitraries (tuples keep shrinking simple). */
export const all = (...arbs: fc.Arbitrary<HostArray>[]): fc.Arbitrary<Case> => fc.tuple(...arbs).map((xs) => ({ inputs: [...xs], statics: [] }));

/** Inputs with statics drawn alongside. */
export const withStatics = (inputs: fc.Arbitrary<HostArray[]>, statics: fc.Arbitrary<readonly number[]>): fc.Arbitrary<Case> =>
  fc.tuple(inputs, statics).map(([xs, s]) => ({ inputs: xs, statics: s }));
