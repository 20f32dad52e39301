import type { HostArray } from '../ir/host-array.ts';
import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { add, matmul, reshape } from '../ops/index.ts';
import { split } from '../random/key.ts';
import { lecunNormal, zeros, type Initializer } from './init.ts';
import type { Layer } from './module.ts';

export interface LinearConfig {
  readonly in: number;
  readonly out: number;
  /** Default true. */
  readonly bias?: boolean;
  /** Weight initialiser; default LeCun normal. */
  readonly init?: Initializer;
  /** Bias initialiser; default zeros. */
  readonly biasInit?: Initializer;
}

/** W is [in, out] so that x[..., in] @ W hits the matmul fast path (one 2D product over all rows). */
export interface LinearParams {
  readonly w: HostArray;
  readonly b?: HostArray;
}

/** x[..., in] @ w[in, out] (+ b[out]); rank-1 x is treated as one row. */
export const dense = (x: Node, w: Node, b?: Node): Node => {
  const k = w.shape[0];
  if (x.shape[x.shape.length - 1] !== k) {
    throw new GraphError('shape', 'linear', `input's last axis must be ${k}`, [{ shape: x.shape, dtype: x.dtype }, { shape: w.shape, dtype: w.dtype }]);
  }
  const y = x.shape.length === 1 ? reshape(matmul(reshape(x, [1, k]), w), [w.shape[1]]) : matmul(x, w);
  return b ? add(y, b) : y;
};

export const linear = (cfg: LinearConfig): Layer<LinearParams> => {
  const withBias = cfg.bias ?? true;
  const init = cfg.init ?? lecunNormal();
  const biasInit = cfg.biasInit ?? zeros;
  return {
    init: (key) => {
      const [kw, kb] = split(key, 2);
      const w = init(kw, [cfg.in, cfg.out]);
      return withBias ? { w, b: biasInit(kb, [cfg.out]) } : { w };
    },
    apply: (p, x) => dense(x, p.w, p.b),
  };
};
