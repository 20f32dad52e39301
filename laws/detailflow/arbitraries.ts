import fc from 'fast-check';
import type { DetailFlowConfig, PlanConfig, PrefixConfig, ResolutionConfig } from '../../src/detailflow/config.ts';
import { hostImage, type HostImage } from '../../src/detailflow/host-image.ts';

/**
 * Arbitraries for DetailFlow configurations, derived from the same constraints the codecs
 * enforce (config.law.ts checks that everything generated here decodes and round-trips).
 * Configs first; image data is generated at a fixed maximum length and cut with .map.
 */

export const alphaArb = fc.double({ min: 1, max: 4, noNaN: true, noDefaultInfinity: true });

export const resolutionCfgArb: fc.Arbitrary<ResolutionConfig> = fc.record({
  size: fc.integer({ min: 1, max: 1024 }),
  tokens: fc.integer({ min: 2, max: 600 }),
  alpha: alphaArb,
});

/** tokens = g*k >= 2 and causal = g*m with 1 <= m <= k. */
export const planCfgArb: fc.Arbitrary<PlanConfig> = fc
  .record({ group: fc.integer({ min: 1, max: 16 }), k: fc.integer({ min: 1, max: 40 }), m: fc.integer({ min: 1, max: 40 }) })
  .map(({ group, k: k0, m }) => {
    const k = group === 1 ? Math.max(k0, 2) : k0;
    return { tokens: group * k, group, causal: group * Math.min(m, k) };
  });

/** As planCfgArb with k >= 2 (room for a degraded prefix) and a degradeProb (0 and 1 included). */
export const prefixCfgArb: fc.Arbitrary<PrefixConfig> = fc
  .record({
    group: fc.integer({ min: 1, max: 16 }), k: fc.integer({ min: 2, max: 40 }), m: fc.integer({ min: 1, max: 40 }),
    degradeProb: fc.oneof(fc.constantFrom(0, 0.2, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map(({ group, k, m, degradeProb }) => ({ tokens: group * k, group, causal: group * Math.min(m, k), degradeProb }));

export const detailflowCfgArb: fc.Arbitrary<DetailFlowConfig> = fc
  .record({
    patch: fc.integer({ min: 1, max: 32 }), cells: fc.integer({ min: 1, max: 24 }),
    plan: prefixCfgArb, alpha: alphaArb, channels: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ patch, cells, plan, alpha, channels }) => ({ size: patch * cells, ...plan, alpha, patch, channels }));

/** Small configs for the degradation laws: H <= 24, so images stay cheap. */
export interface DegradeCase {
  readonly size: number;
  readonly tokens: number;
  readonly alpha: number;
  readonly patch: number;
  readonly img: HostImage;
}

export const MAX_SIDE = 24;
export const MAX_CHANNELS = 3;

export const imageDataArb = fc.float32Array({
  minLength: MAX_CHANNELS * MAX_SIDE * MAX_SIDE, maxLength: MAX_CHANNELS * MAX_SIDE * MAX_SIDE,
  min: -2, max: 2, noNaN: true, noDefaultInfinity: true,
});

export const degradeCaseArb: fc.Arbitrary<DegradeCase> = fc
  .record({
    patch: fc.constantFrom(1, 2, 3, 4, 8), cells: fc.integer({ min: 1, max: 24 }), tokens: fc.integer({ min: 2, max: 40 }),
    alpha: alphaArb, channels: fc.integer({ min: 1, max: MAX_CHANNELS }), data: imageDataArb,
  })
  .map(({ patch, cells, tokens, alpha, channels, data }) => {
    const size = patch * (1 + ((cells - 1) % Math.floor(MAX_SIDE / patch)));
    return { size, tokens, alpha, patch, img: hostImage(data.slice(0, channels * size * size), channels, size, size) };
  });

/**
 * An index in 1..n drawn without .chain: an integer reduced modulo n. (A fraction in [0, 1)
 * would do too, but fast-check biases doubles toward 0, which would make t = 1 most cases.)
 */
export const indexArb = fc.integer({ min: 1, max: 1 << 20 });
export const pick = (k: number, n: number): number => 1 + ((k - 1) % n);

/** A case plus a prefix t in 1..N. */
export const degradeCaseWithTArb: fc.Arbitrary<DegradeCase & { t: number }> = fc
  .tuple(degradeCaseArb, indexArb)
  .map(([c, k]) => ({ ...c, t: pick(k, c.tokens) }));
