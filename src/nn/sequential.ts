import type { Node } from '../ir/node.ts';
import { splitKey } from '../ops/index.ts';
import { foldIn } from '../random/key.ts';
import type { AnyLayer, Ctx, Layer, ParamsOf } from './module.ts';

/** Parameters of a list or record of layers: the same list or record of their parameters. */
export type SequentialParams<L> = { readonly [K in keyof L]: ParamsOf<L[K]> };

/** The context for the i-th child: the same, with its own key (siblings never share randomness). */
export const childCtx = (ctx: Ctx | undefined, i: number): Ctx | undefined =>
  ctx?.key ? { ...ctx, key: splitKey(ctx.key, i) } : ctx;

/**
 * Layers applied in order. A list gives list parameters ([0], [1], ...); a record gives named
 * parameters (paths like `attn.norm.scale`) and runs in the record's insertion order.
 * Child i is initialised from foldIn(key, i) and gets splitKey(ctx.key, i).
 */
export function sequential<const L extends readonly AnyLayer[]>(layers: L): Layer<SequentialParams<L>>;
export function sequential<const L extends Readonly<Record<string, AnyLayer>>>(layers: L): Layer<SequentialParams<L>>;
export function sequential(layers: readonly AnyLayer[] | Readonly<Record<string, AnyLayer>>): Layer<unknown> {
  const entries: [string | number, AnyLayer][] = Array.isArray(layers)
    ? layers.map((l, i) => [i, l] as [number, AnyLayer])
    : Object.entries(layers as Record<string, AnyLayer>);
  const isList = Array.isArray(layers);
  return {
    init: (key) => {
      const ps = entries.map(([, l], i) => l.init(foldIn(key, i)));
      return isList ? ps : Object.fromEntries(entries.map(([name], i) => [name, ps[i]]));
    },
    apply: (params, x, ctx) => {
      const ps = params as unknown as Record<string | number, unknown>;
      return entries.reduce<Node>((h, [name, l], i) => l.apply(ps[name] as never, h, childCtx(ctx, i)), x);
    },
  } as Layer<unknown>;
}
