import type * as E from 'fp-ts/lib/Either.js';
import type { Aval } from '../ir/node.ts';
import type { BackendName, Prim, PrimAttrs } from './attrs.ts';
import { primitiveNames as names, registry } from './registry.ts';

// declared here, not re-exported, so the public declarations never reach the tfjs-typed registry
export const primitiveNames: readonly Prim[] = names;

/** A primitive as the public index shows it: its shape rule and facts about it, no tfjs lowering. */
export interface PrimitiveInfo<P extends Prim> {
  readonly name: P;
  /** The shape/dtype rule `bind` applies: the output's aval, or why the inputs are refused. */
  readonly infer: (inputs: readonly Aval[], attrs: Readonly<PrimAttrs[P]>) => E.Either<string, Aval>;
  readonly differentiable: boolean;
  /** Backends with a custom kernel instead of the tfjs lowering. */
  readonly kernels: readonly BackendName[];
}

const infoOf = <P extends Prim>(name: P): PrimitiveInfo<P> => {
  const def = registry[name];
  return Object.freeze({
    name,
    infer: def.infer,
    differentiable: def.vjp !== null,
    kernels: Object.freeze(Object.keys(def.kernels ?? {}) as BackendName[]),
  });
};

/** Every primitive's public view; the tfjs-typed registry stays internal. */
export const primitives = Object.freeze(Object.fromEntries(primitiveNames.map((p) => [p, infoOf(p)]))) as { readonly [P in Prim]: PrimitiveInfo<P> };
