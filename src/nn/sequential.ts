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
  if (Array.isArray(layers)) {
    const list: Layer<readonly unknown[]> = {
      init: (key) => layers.map((l, i) => l.init(foldIn(key, i))),
      apply: (ps, x, ctx) => layers.reduce<Node>((h, l, i) => l.apply(ps[i], h, childCtx(ctx, i)), x),
    };
    return list;
  }
  const entries = Object.entries(layers);
  const record: Layer<Readonly<Record<string, unknown>>> = {
    init: (key) => Object.fromEntries(entries.map(([name, l], i) => [name, l.init(foldIn(key, i))])),
    apply: (ps, x, ctx) => entries.reduce<Node>((h, [name, l], i) => l.apply(ps[name], h, childCtx(ctx, i)), x),
  };
  return record;
}
