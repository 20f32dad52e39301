/** The `bench core` workload: a pre-LN transformer stack trained one AdamW step at a time. */
export interface CoreBenchConfig {
  readonly depth: number;
  readonly width: number;
  readonly heads: number;
  readonly mlpWidth: number;
  readonly batch: number;
  readonly seq: number;
}

export const defaultCoreBench: CoreBenchConfig = { depth: 4, width: 256, heads: 4, mlpWidth: 1024, batch: 32, seq: 96 };

/** The optimiser both implementations use (constant lr so both do identical arithmetic). */
export const benchAdamW = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, weightDecay: 0.05, layerNormEps: 1e-5 } as const;

/**
 * Matmul FLOPs of one training step (2 per multiply-add). Forward per block: the fused qkv and
 * output projections, scores q k^T and probs v, and the two MLP products; the backward pass
 * does two products per forward product, so a step is 3x the forward.
 */
export const coreFlops = (c: CoreBenchConfig): { forward: number; step: number } => {
  const rows = c.batch * c.seq;
  const headDim = c.width / c.heads;
  const projections = 2 * rows * c.width * (3 * c.width) + 2 * rows * c.width * c.width;
  const attention = 2 * (2 * c.batch * c.heads * c.seq * c.seq * headDim);
  const mlp = 2 * (2 * rows * c.width * c.mlpWidth);
  const forward = c.depth * (projections + attention + mlp);
  return { forward, step: 3 * forward };
};
