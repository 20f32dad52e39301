import { mul, silu } from '../ops/index.ts';
import { foldIn } from '../random/key.ts';
import type { Initializer } from './init.ts';
import { dense, linear, type LinearParams } from './linear.ts';
import type { Layer } from './module.ts';

export interface SwigluConfig {
  readonly dim: number;
  readonly hidden: number;
  readonly out?: number;
  /** Default false, as in LLaMA. */
  readonly bias?: boolean;
  readonly init?: Initializer;
}

export interface SwigluParams {
  readonly gate: LinearParams;
  readonly up: LinearParams;
  readonly down: LinearParams;
}

/** down(silu(gate(x)) * up(x)): the LLaMA feed-forward. */
export const swiglu = (cfg: SwigluConfig): Layer<SwigluParams> => {
  const bias = cfg.bias ?? false;
  const inner = (i: number, o: number) => linear({ in: i, out: o, bias, init: cfg.init });
  return {
    init: (key) => ({
      gate: inner(cfg.dim, cfg.hidden).init(foldIn(key, 0)),
      up: inner(cfg.dim, cfg.hidden).init(foldIn(key, 1)),
      down: inner(cfg.hidden, cfg.out ?? cfg.dim).init(foldIn(key, 2)),
    }),
    apply: (p, x) => dense(mul(silu(dense(x, p.gate.w, p.gate.b)), dense(x, p.up.w, p.up.b)), p.down.w, p.down.b),
  };
};
