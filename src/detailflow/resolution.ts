import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../config/errors.ts';
import type { ResolutionConfig } from './config.ts';

/**
 * A resolution map n -> R(n): the side of the target content when decoding the first n of N
 * tokens, for an image of side H. It is a value, so variants (another power, another curve, a
 * table) are built by the combinators below and checked by `validateResolutionMap`.
 */
export interface ResolutionMap {
  readonly name: string;
  /** H */
  readonly size: number;
  /** N */
  readonly tokens: number;
  /** values[n - 1] = R(n), integers, computed once. */
  readonly values: readonly number[];
  /** The curve before truncation, when the map has one (laws compare against it). */
  readonly continuous?: (n: number) => number;
}

/** R(n) for 1 <= n <= N. */
export const resolutionAt = (map: ResolutionMap, n: number): number => {
  if (!Number.isInteger(n) || n < 1 || n > map.tokens) throw new RangeError(`${map.name}: n must be an integer in [1, ${map.tokens}], got ${n}`);
  return map.values[n - 1];
};

/** Python's int() then the clamp to [1, H]: the reference's way from a curve to a side. */
export const truncClamp = (v: number, size: number): number => Math.min(size, Math.max(1, Math.trunc(v)));

/**
 * Any continuous curve, truncated toward zero and clamped to [1, H] as the reference does.
 * A user's own curve goes through here; validate the result if its monotonicity is not obvious.
 */
export const fromCurve = (name: string, size: number, tokens: number, curve: (n: number) => number): ResolutionMap =>
  Object.freeze({
    name, size, tokens, continuous: curve,
    values: Object.freeze(Array.from({ length: tokens }, (_, i) => truncClamp(curve(i + 1), size))),
  });

/**
 * The reference's continuous power curve (detail_token.py, token_res_map_func), in the same
 * float64 operation order so that truncation reproduces Python's int() exactly:
 * b = (H-1)/(N-1)^alpha; v = H - b*(N-n)^alpha.
 */
export const powerContinuous = (size: number, tokens: number, alpha: number) => {
  const b = (size - 1) / Math.pow(tokens - 1, alpha);
  return (n: number): number => size - b * Math.pow(tokens - n, alpha);
};

/** The default map: R(n) = clamp(trunc(H - (H-1)/(N-1)^alpha * (N-n)^alpha), 1, H). */
export const powerCurve = (cfg: ResolutionConfig): ResolutionMap =>
  fromCurve(`power(alpha=${cfg.alpha})`, cfg.size, cfg.tokens, powerContinuous(cfg.size, cfg.tokens, cfg.alpha));

/** A map given as its table of values R(1..N) (checked by validateResolutionMap, not here). */
export const fromTable = (name: string, size: number, values: readonly number[]): ResolutionMap =>
  Object.freeze({ name, size, tokens: values.length, values: Object.freeze([...values]) });

/** Post-composes a map with a function of the side (e.g. snapping), re-clamped to [1, H]. */
export const mapSides = (map: ResolutionMap, name: string, f: (r: number, n: number) => number): ResolutionMap =>
  fromTable(name, map.size, map.values.map((r, i) => truncClamp(f(r, i + 1), map.size)));

/**
 * What every resolution map must satisfy for the pipeline to make sense: integer values in
 * [1, H], non-decreasing in n, and R(N) = H (so that t = N is the clean image). Every violation
 * is reported. R(1) = 1 is a property of the power curve, not a requirement on user maps.
 */
export const validateResolutionMap = (map: ResolutionMap): E.Either<ConfigError, ResolutionMap> => {
  const problems: string[] = [];
  const { size: H, tokens: N, values } = map;
  if (!Number.isInteger(H) || H < 1) problems.push(`size must be a positive integer, got ${H}`);
  if (!Number.isInteger(N) || N < 1) problems.push(`tokens must be a positive integer, got ${N}`);
  if (values.length !== N) problems.push(`the map has ${values.length} values for ${N} tokens`);
  const bad = values.flatMap((r, i) => (Number.isInteger(r) && r >= 1 && r <= H ? [] : [`R(${i + 1}) = ${r}`]));
  if (bad.length > 0) problems.push(`values must be integers in [1, ${H}]: ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', ...' : ''}`);
  const drops = values.flatMap((r, i) => (i > 0 && r < values[i - 1] ? [`R(${i}) = ${values[i - 1]} > R(${i + 1}) = ${r}`] : []));
  if (drops.length > 0) problems.push(`the map must be non-decreasing: ${drops.slice(0, 5).join(', ')}${drops.length > 5 ? ', ...' : ''}`);
  if (values.length > 0 && values[values.length - 1] !== H) problems.push(`R(N) must equal the size ${H}, got ${values[values.length - 1]}`);
  return problems.length > 0 ? E.left(new ConfigError(problems, `resolution map ${map.name}`)) : E.right(map);
};
