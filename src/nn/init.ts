import { hostArray, isHostArray, type HostArray } from '../ir/host-array.ts';
import { flatten, unflatten, type Tree } from '../tree/tree.ts';
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

/**
 * Shape-only tracing (JAX's eval_shape of an init). While `initSpecs` runs an init, every
 * parameter is made through `hostInit`, which then returns a placeholder with the shape and dtype
 * and no values; so a loader learns what a configuration implies without allocating it. A
 * module-level flag, because init is synchronous and a key-threaded option would touch every module.
 */
let shapesOnly = false;
const NO_VALUES = new Float32Array(0);

/** One float32 parameter of `shape`, its values made by `make` (not called when tracing shapes). */
export const hostInit = (what: string, shape: Shape, make: (n: number) => Float32Array): HostArray => {
  const n = sizeOf(checked(what, shape));
  return shapesOnly ? { data: NO_VALUES, shape: [...shape], dtype: 'float32' } : hostArray(make(n), shape);
};

/** The shape and dtype of a parameter. */
export interface ParamSpec { readonly shape: Shape; readonly dtype: HostArray['dtype'] }

/**
 * The parameter tree an init would produce, as shapes and dtypes, without allocating any values:
 * the expected names and shapes of a checkpoint, cheap whatever sizes the configuration claims.
 */
export const initSpecs = <H>(init: () => H): Tree<ParamSpec> => {
  const was = shapesOnly;
  shapesOnly = true;
  try {
    const { leaves, def } = flatten(init() as Tree<HostArray>, isHostArray, 'host array');
    return unflatten(def, leaves.map((l): ParamSpec => ({ shape: l.shape, dtype: l.dtype })));
  } finally {
    shapesOnly = was;
  }
};

export const constantInit = (value: number): Initializer => (_key, shape) =>
  hostInit('constant', shape, (n) => new Float32Array(n).fill(value));

export const zeros: Initializer = constantInit(0);
export const ones: Initializer = constantInit(1);

export const normal = (std = 1, mean = 0): Initializer => (key, shape) =>
  hostInit('normal', shape, (n) => normalHost(key, n).map((z) => mean + std * z));

export const uniform = (lo: number, hi: number): Initializer => (key, shape) =>
  hostInit('uniform', shape, (n) => uniformHost(key, n).map((u) => lo + (hi - lo) * u));

/**
 * Normal(0, std) restricted to [-bound*std, bound*std]. Rejected draws are replaced, in order,
 * from fresh streams foldIn(key, 1), foldIn(key, 2), ... so the result is a pure function of the key.
 */
export const truncatedNormal = (std = 1, bound = 2): Initializer => (key, shape) => hostInit('truncatedNormal', shape, (n) => {
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
  return out;
});

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
