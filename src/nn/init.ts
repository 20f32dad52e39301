import { hostArray, type HostArray } from '../ir/host-array.ts';
import { GraphError } from '../ir/errors.ts';
import { isValidShape, sizeOf, type Shape } from '../ir/shape.ts';
import { foldIn, normalHost, uniformHost, type Key } from '../random/key.ts';

/**
 * An initialiser: host values for one parameter, a pure function of (key, shape). Generated on
 * the host from the key so that every backend starts from bit-identical parameters.
 */
export type Initializer = (key: Key, shape: Shape) => HostArray;

const checked = (what: string, shape: Shape): Shape => {
  if (!isValidShape(shape)) throw new GraphError('shape', `init.${what}`, `invalid shape [${shape.join(', ')}]`);
  return shape;
};

/** Fan-in and fan-out with the JAX convention: [..., in, out], leading axes form the receptive field. */
export const fans = (shape: Shape): { fanIn: number; fanOut: number } => {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
};

export const constantInit = (value: number): Initializer => (_key, shape) =>
  hostArray(new Float32Array(sizeOf(checked('constant', shape))).fill(value), shape);

export const zeros: Initializer = constantInit(0);
export const ones: Initializer = constantInit(1);

export const normal = (std = 1, mean = 0): Initializer => (key, shape) =>
  hostArray(normalHost(key, sizeOf(checked('normal', shape))).map((z) => mean + std * z), shape);

export const uniform = (lo: number, hi: number): Initializer => (key, shape) =>
  hostArray(uniformHost(key, sizeOf(checked('uniform', shape))).map((u) => lo + (hi - lo) * u), shape);

/**
 * Normal(0, std) restricted to [-bound*std, bound*std]. Rejected draws are replaced, in order,
 * from fresh streams foldIn(key, 1), foldIn(key, 2), ... so the result is a pure function of the key.
 */
export const truncatedNormal = (std = 1, bound = 2): Initializer => (key, shape) => {
  const n = sizeOf(checked('truncatedNormal', shape));
  const out = new Float32Array(n);
  let pending: number[] = [];
  const first = normalHost(key, n);
  for (let i = 0; i < n; i++) {
    if (Math.abs(first[i]) <= bound) out[i] = std * first[i];
    else pending.push(i);
  }
  for (let round = 1; pending.length > 0; round++) {
    if (round > 64) throw new GraphError('attr', 'init.truncatedNormal', `bound ${bound} rejects almost every draw`);
    const draws = normalHost(foldIn(key, round), pending.length * 2);
    const still: number[] = [];
    let next = 0;
    for (const i of pending) {
      while (next < draws.length && Math.abs(draws[next]) > bound) next++;
      if (next < draws.length) out[i] = std * draws[next++];
      else still.push(i);
    }
    pending = still;
  }
  return hostArray(out, shape);
};

/** Glorot/Xavier uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)). */
export const xavierUniform = (gain = 1): Initializer => (key, shape) => {
  const { fanIn, fanOut } = fans(checked('xavierUniform', shape));
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(-limit, limit)(key, shape);
};

// Standard deviation of a unit normal truncated to [-2, 2]; dividing by it keeps the variance 1/fanIn (as in JAX).
const TRUNC2_STD = 0.87962566103423978;

/** LeCun normal: truncated normal (±2 std) with variance 1/fanIn, as jax.nn.initializers.lecun_normal. */
export const lecunNormal = (): Initializer => (key, shape) => {
  const { fanIn } = fans(checked('lecunNormal', shape));
  return truncatedNormal(Math.sqrt(1 / fanIn) / TRUNC2_STD)(key, shape);
};
