/**
 * Float64 host reference for AdamW, written straight from the paper's update rule, leaf by leaf.
 * The DSL stores hyperparameters as float32 constants, so callers round them with Math.fround
 * before comparing (the reference then measures arithmetic error only).
 */
export interface RefAdamConfig {
  readonly lr: number;
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export interface RefAdamState {
  readonly step: number;
  readonly mu: readonly Float64Array[];
  readonly nu: readonly Float64Array[];
}

export const refAdamInit = (sizes: readonly number[]): RefAdamState => ({
  step: 0, mu: sizes.map((n) => new Float64Array(n)), nu: sizes.map((n) => new Float64Array(n)),
});

export const refAdamwStep = (
  params: readonly ArrayLike<number>[], grads: readonly ArrayLike<number>[], state: RefAdamState,
  cfg: RefAdamConfig, decays: readonly boolean[], lr = cfg.lr,
): { params: Float64Array[]; state: RefAdamState } => {
  const t = state.step + 1;
  const bc1 = 1 - cfg.b1 ** t;
  const bc2 = 1 - cfg.b2 ** t;
  const mu: Float64Array[] = [];
  const nu: Float64Array[] = [];
  const out = params.map((p, i) => {
    const g = grads[i];
    const m = Float64Array.from(state.mu[i], (v, j) => cfg.b1 * v + (1 - cfg.b1) * g[j]);
    const v2 = Float64Array.from(state.nu[i], (v, j) => cfg.b2 * v + (1 - cfg.b2) * g[j] * g[j]);
    mu.push(m);
    nu.push(v2);
    return Float64Array.from({ length: p.length }, (_, j) => {
      const update = (m[j] / bc1) / (Math.sqrt(v2[j] / bc2) + cfg.eps);
      const decay = decays[i] ? cfg.weightDecay * p[j] : 0;
      return p[j] - lr * (update + decay);
    });
  });
  return { params: out, state: { step: t, mu, nu } };
};

/** sqrt of the sum of squares of every leaf, in float64. */
export const refGlobalNorm = (leaves: readonly ArrayLike<number>[]): number =>
  Math.sqrt(leaves.reduce((s, l) => { let a = s; for (let i = 0; i < l.length; i++) a += l[i] * l[i]; return a; }, 0));

/** Host warmup-cosine in float64, written independently of src/train/schedule.ts. */
export const refWarmupCosine = (step: number, c: { peak: number; warmupSteps: number; totalSteps: number; floor: number }): number => {
  if (step < c.warmupSteps) return (c.peak * step) / c.warmupSteps;
  const span = Math.max(c.totalSteps - c.warmupSteps, 1);
  const progress = Math.min(Math.max((step - c.warmupSteps) / span, 0), 1);
  return c.floor + (c.peak - c.floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
};
