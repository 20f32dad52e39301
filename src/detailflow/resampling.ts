/**
 * One-dimensional resamplings as fixed linear operators: a dense row-major [out, in] weight
 * matrix per size pair. An image is resampled separably (rows by one matrix, columns by the
 * other), so a resize is two matmuls and compiles, and differentiates, like any linear layer.
 * Built-ins follow PyTorch's F.interpolate; users may define their own with `resampling`.
 */
export interface Resampling {
  readonly name: string;
  /** Row-major [outSize, inSize] weights: output o = sum_i w[o, i] * input[i]. */
  readonly build: (inSize: number, outSize: number) => Float64Array;
}

const checkSizes = (name: string, inSize: number, outSize: number): void => {
  for (const [what, v] of [['input size', inSize], ['output size', outSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name}: ${what} must be a positive integer, got ${v}`);
  }
};

/** A resampling from its weight rule; sizes are checked and the matrix's length verified. */
export const resampling = (name: string, build: (inSize: number, outSize: number) => Float64Array): Resampling =>
  Object.freeze({
    name,
    build: (inSize: number, outSize: number) => {
      checkSizes(name, inSize, outSize);
      const w = build(inSize, outSize);
      if (w.length !== inSize * outSize) throw new RangeError(`${name}: weights for ${inSize} -> ${outSize} have ${w.length} entries, expected ${inSize * outSize}`);
      if (!w.every(Number.isFinite)) throw new RangeError(`${name}: weights for ${inSize} -> ${outSize} are not all finite`);
      return w;
    },
  });

const identityWeights = (n: number): Float64Array => {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = 1;
  return w;
};

export const identity: Resampling = resampling('identity', (inSize, outSize) => {
  if (inSize !== outSize) throw new RangeError(`identity: sizes differ (${inSize} -> ${outSize})`);
  return identityWeights(inSize);
});

/**
 * Adaptive bins of PyTorch's adaptive_avg_pool (what F.interpolate(mode='area') calls):
 * output i averages inputs floor(i*in/out) .. ceil((i+1)*in/out) - 1, in integer arithmetic.
 * The bins overlap when out does not divide in.
 */
export const areaBin = (i: number, inSize: number, outSize: number): readonly [number, number] =>
  [Math.floor((i * inSize) / outSize), Math.floor(((i + 1) * inSize + outSize - 1) / outSize)];

export const area: Resampling = resampling('area', (inSize, outSize) => {
  const w = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const [s, e] = areaBin(o, inSize, outSize);
    for (let i = s; i < e; i++) w[o * inSize + i] = 1 / (e - s);
  }
  return w;
});

const f32 = Math.fround;

/**
 * Cubic convolution coefficients for taps at offsets -1, 0, 1, 2 around floor(src), fraction t
 * (ATen/native/UpSample.h: cubic_convolution1/2, get_cubic_upsample_coefficients), evaluated in
 * float32 with the same operation order, as PyTorch does for float tensors.
 */
export const cubicCoefficients = (t: number, a: number): [number, number, number, number] => {
  const A = f32(a);
  const c1 = (x: number) => f32(f32(f32(f32(f32(f32(A + 2) * x) - f32(A + 3)) * x) * x) + 1);
  const c2 = (x: number) => f32(f32(f32(f32(f32(f32(A * x) - f32(5 * A)) * x) + f32(8 * A)) * x) - f32(4 * A));
  const x1 = f32(t);
  const x2 = f32(1 - x1);
  return [c2(f32(x1 + 1)), c1(x1), c1(x2), c2(f32(x2 + 1))];
};

/**
 * Source coordinate for output o with align_corners = False
 * (area_pixel_compute_scale / area_pixel_compute_source_index with cubic = true): scale = in/out
 * in float32 (also for a single output: compute_scales_value), src = scale*(o + 0.5) - 0.5, NOT
 * clamped at 0 for cubic; then idx = min(floor(src), in - 1) and t = clamp(src - idx, 0, 1)
 * (guard_index_and_lambda). src and t stay in double: PyTorch 1.13 (the official fixtures'
 * version) does not round src to float32, which at src ~ 145 (223 -> 224) would move t by up
 * to half an ulp (7.6e-6) and a weight by 9e-6 (laws/detailflow/resampling-golden.law.ts).
 */
export const cubicSource = (o: number, inSize: number, outSize: number): { idx: number; t: number } => {
  const scale = f32(inSize / outSize);
  const src = scale * (o + 0.5) - 0.5;
  const idx = Math.min(Math.floor(src), inSize - 1);
  return { idx, t: Math.min(Math.max(src - idx, 0), 1) };
};

/**
 * PyTorch bicubic (upsample_bicubic2d, align_corners = False, antialias = False) with cubic
 * parameter a (-0.75 in PyTorch): four taps at idx-1..idx+2, indices clamped to [0, in-1]
 * (border replication; clamped taps add their weights to the border pixel).
 */
export const cubic = (a = -0.75): Resampling => resampling(`cubic(${a})`, (inSize, outSize) => {
  const w = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const { idx, t } = cubicSource(o, inSize, outSize);
    const k = cubicCoefficients(t, a);
    for (let j = 0; j < 4; j++) {
      const i = Math.min(Math.max(idx - 1 + j, 0), inSize - 1);
      w[o * inSize + i] += k[j];
    }
  }
  return w;
});

export const bicubic: Resampling = cubic(-0.75);

/**
 * The reference's resize rule (resize_imgs, which compares sizes only): `down` when shrinking,
 * the identity when the size is unchanged, `up` when growing.
 */
export const byDirection = (down: Resampling, up: Resampling): Resampling =>
  resampling(`${down.name}|${up.name}`, (inSize, outSize) =>
    inSize === outSize ? identityWeights(inSize) : inSize > outSize ? down.build(inSize, outSize) : up.build(inSize, outSize));

/** F.interpolate as the reference uses it: area down, bicubic up, identity at equal sizes. */
export const torchResize: Resampling = byDirection(area, bicubic);

// Weight matrices are pure functions of (rule, in, out); build each once.
const cache = new WeakMap<Resampling, Map<string, Float64Array>>();

/** The cached [out, in] matrix. Shared: callers must not write into it. */
export const weightsOf = (r: Resampling, inSize: number, outSize: number): Float64Array => {
  let perRule = cache.get(r);
  if (perRule === undefined) { perRule = new Map(); cache.set(r, perRule); }
  const key = `${inSize}x${outSize}`;
  let w = perRule.get(key);
  if (w === undefined) { w = r.build(inSize, outSize); perRule.set(key, w); }
  return w;
};

/** A fresh copy of the weights, transposed to [in, out] when asked (for right-multiplication). */
export const resamplingMatrix = (r: Resampling, inSize: number, outSize: number, transposed = false): Float32Array => {
  const w = weightsOf(r, inSize, outSize);
  const out = new Float32Array(inSize * outSize);
  for (let o = 0; o < outSize; o++) {
    for (let i = 0; i < inSize; i++) out[transposed ? i * outSize + o : o * inSize + i] = w[o * inSize + i];
  }
  return out;
};
