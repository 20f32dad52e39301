import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import type { Key } from '../random/key.ts';

/**
 * Host-side parameters: records and arrays of HostArray. `init` produces these once, so they
 * are uploaded once and then live on the device as the compiled step's inputs and outputs.
 */
export type HostParams = HostArray | readonly HostParams[] | { readonly [k: string]: HostParams };

/** The traced view of a host parameter tree: the same structure with graph nodes as leaves. */
export type Params<H> = H extends HostArray ? Node
  : { readonly [K in keyof H]: Params<H[K]> };

/** A module without parameters has this (empty) tree. */
export type NoParams = Readonly<Record<string, never>>;

/**
 * What flows alongside the activations: a PRNG key (a traced `key` node) for dropout, whether
 * stochastic layers are active, and an attention mask or additive bias. Combinators pass it down
 * unchanged except for the key, which they split so siblings never share randomness.
 */
export interface Ctx {
  readonly key?: Node;
  readonly train?: boolean;
  /** Boolean (true = may attend) or additive float bias; see `attend` for accepted shapes. */
  readonly mask?: Node;
}

/**
 * A module is a pair of pure functions and nothing else: `init` builds host parameters from a
 * key (deterministic per key), `apply` maps a parameter tree of nodes and inputs to outputs.
 * Modules hold no state, so one definition can be applied to many parameter trees.
 */
export interface Module<H, A extends readonly unknown[], O> {
  init(key: Key): H;
  // method syntax (bivariant parameters) so that heterogeneous layers fit one `Layer<any>` list
  apply(params: Params<H>, ...args: A): O;
}

/** The common case the combinators compose: one activation in, one out, context alongside. */
export type Layer<H> = Module<H, [x: Node, ctx?: Ctx], Node>;

/** The host parameter type of a module. */
export type ParamsOf<M> = M extends { init(key: Key): infer H } ? H : never;

/** Any layer, whatever its parameters (for heterogeneous lists and records). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyLayer = Layer<any>;

/** A parameter-free layer from a function (activations, reshapes, pooling). */
export const fn = (f: (x: Node, ctx?: Ctx) => Node): Layer<NoParams> => ({
  init: () => ({}),
  apply: (_p, x, ctx) => f(x, ctx),
});
