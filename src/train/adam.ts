import { hostArray, type HostArray } from '../ir/host-array.ts';
import { isNode, type Node } from '../ir/node.ts';
import { GraphError } from '../ir/errors.ts';
import { sizeOf, type Shape } from '../ir/shape.ts';
import { add, div, mul, pow, scalar, sqrt, square, sub, zeros } from '../ops/index.ts';
import { flatten, sameDef, unflatten, type Tree } from '../tree/tree.ts';
import type { LearningRate, Optimizer, Shaped } from './optimizer.ts';

export interface AdamConfig {
  readonly lr: LearningRate;
  /** Default 0.9. */
  readonly b1?: number;
  /** Default 0.999. */
  readonly b2?: number;
  /** Added to sqrt(v-hat); default 1e-8. */
  readonly eps?: number;
}

export interface AdamWConfig extends AdamConfig {
  readonly weightDecay: number;
  /** Which parameters decay; default: those of rank >= 2 (weights and embeddings, not biases or norm scales). */
  readonly decayMask?: (path: string, shape: Shape) => boolean;
}

/** Step count (float32 scalar: updates done so far) and the first and second moment trees. */
export interface AdamState<L = Node> {
  readonly step: L;
  readonly mu: Tree<L>;
  readonly nu: Tree<L>;
}

export const defaultDecayMask = (_path: string, shape: Shape): boolean => shape.length >= 2;

const isShaped = (x: unknown): x is Shaped => typeof x === 'object' && x !== null && 'shape' in x && Array.isArray((x as Shaped).shape);

/**
 * AdamW with bias correction and decoupled weight decay (Loshchilov & Hutter):
 *   m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g^2,  t = step + 1
 *   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)  +  lr * wd * p   (masked leaves only)
 * the decay uses the parameter before the update, as in PyTorch and optax.
 */
export const adamw = (cfg: AdamWConfig): Optimizer<AdamState> => {
  const b1 = cfg.b1 ?? 0.9;
  const b2 = cfg.b2 ?? 0.999;
  const eps = cfg.eps ?? 1e-8;
  const wd = cfg.weightDecay;
  const mask = cfg.decayMask ?? defaultDecayMask;
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1 && eps >= 0 && wd >= 0)) {
    throw new GraphError('attr', 'adamw', `need 0 <= b1, b2 < 1 and eps, weightDecay >= 0; got b1=${b1} b2=${b2} eps=${eps} weightDecay=${wd}`);
  }
  const learningRate = (state: AdamState): Node =>
    typeof cfg.lr === 'number' ? scalar(cfg.lr) : cfg.lr.graph(state.step);

  return {
    init: (params) => {
      const { leaves, def } = flatten(params, isNode, 'graph value');
      const zs = () => unflatten(def, leaves.map((l) => zeros(l.shape)));
      return { step: scalar(0), mu: zs(), nu: zs() };
    },
    initHost: (params) => {
      const { leaves, def } = flatten(params as Tree<Shaped>, isShaped, 'array');
      const zs = () => unflatten<HostArray>(def, leaves.map((l) => hostArray(new Float32Array(sizeOf(l.shape)), l.shape)));
      return { step: hostArray(new Float32Array(1), []), mu: zs(), nu: zs() };
    },
    learningRate,
    update: (grads, state, params, lrOverride) => {
      const p = flatten(params, isNode, 'graph value');
      const g = flatten(grads, isNode, 'graph value');
      const m = flatten(state.mu, isNode, 'graph value');
      const v = flatten(state.nu, isNode, 'graph value');
      if (![g, m, v].every((t) => sameDef(t.def, p.def))) {
        throw new GraphError('tree', 'adamw', 'gradients, moments and parameters must have the same tree structure');
      }
      const lr = lrOverride === undefined ? learningRate(state) : lrOverride;
      const t = add(state.step, 1);
      // scalar factors once per step: lr / (1 - b1^t) and 1 / sqrt(1 - b2^t)
      const stepSize = div(lr, sub(1, pow(b1, t)));
      const invRootBc2 = div(1, sqrt(sub(1, pow(b2, t))));
      const decay = mul(lr, wd);
      const out = p.leaves.map((param, i) => {
        const grad = g.leaves[i];
        const mu = add(mul(m.leaves[i], b1), mul(grad, 1 - b1));
        const nu = add(mul(v.leaves[i], b2), mul(square(grad), 1 - b2));
        const adam = div(mul(mu, stepSize), add(mul(sqrt(nu), invRootBc2), eps));
        const decayed = wd > 0 && mask(p.paths[i], param.shape) ? sub(param, mul(param, decay)) : param;
        return { param: sub(decayed, adam), mu, nu };
      });
      return {
        params: unflatten(p.def, out.map((o) => o.param)) as typeof params,
        state: { step: t, mu: unflatten(p.def, out.map((o) => o.mu)), nu: unflatten(p.def, out.map((o) => o.nu)) },
      };
    },
  };
};

/** Adam: AdamW without weight decay. */
export const adam = (cfg: AdamConfig): Optimizer<AdamState> => adamw({ ...cfg, weightDecay: 0 });
