import type { Node } from '../ir/node.ts';
import { ConfigError } from '../config/errors.ts';
import { graphNum, hostNum, type NumOps } from './num.ts';

/** A learning-rate schedule written once against NumOps: f(step) for any number-like T. */
export type ScheduleDef = <T>(n: NumOps<T>, step: T) => T;

/**
 * A schedule usable on the host (logging, plotting) and as a graph expression of a float32 step
 * scalar (inside a compiled training step). Both come from one definition.
 */
export interface Schedule {
  readonly host: (step: number) => number;
  readonly graph: (step: Node) => Node;
  readonly def: ScheduleDef;
}

export const schedule = (def: ScheduleDef): Schedule => ({
  def,
  host: (step) => def(hostNum, step),
  graph: (step) => def(graphNum, step),
});

const check = (problems: (string | boolean)[], what: string): void => {
  const p = problems.filter((x): x is string => typeof x === 'string');
  if (p.length) throw new ConfigError(p, what);
};

const finite = (name: string, v: number) => (Number.isFinite(v) ? false : `${name}: expected a finite number, got ${v}`);
const stepCount = (name: string, v: number) => (Number.isInteger(v) && v >= 0 ? false : `${name}: expected a non-negative integer, got ${v}`);

export const constantSchedule = (value: number): Schedule => {
  check([finite('value', value)], 'constant schedule');
  return schedule((n, step) => n.add(n.mul(step, 0), value));
};

/** 0 at step 0 rising linearly to `peak` at `warmupSteps`, then constant. */
export const linearWarmup = (cfg: { readonly peak: number; readonly warmupSteps: number }): Schedule => {
  check([finite('peak', cfg.peak), stepCount('warmupSteps', cfg.warmupSteps)], 'linear warmup schedule');
  const { peak, warmupSteps } = cfg;
  if (warmupSteps === 0) return constantSchedule(peak);
  return schedule((n, step) => n.mul(peak, n.min(n.div(step, warmupSteps), 1)));
};

export interface WarmupCosineConfig {
  readonly peak: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
  /** The value reached at totalSteps and kept after it; default 0. */
  readonly floor?: number;
}

/**
 * Linear warmup from 0 to `peak` over warmupSteps, then half a cosine from `peak` down to
 * `floor` at totalSteps, then `floor`. Non-increasing after the warmup.
 */
export const warmupCosine = (cfg: WarmupCosineConfig): Schedule => {
  const floor = cfg.floor ?? 0;
  const { peak, warmupSteps, totalSteps } = cfg;
  check([
    finite('peak', peak), finite('floor', floor), stepCount('warmupSteps', warmupSteps), stepCount('totalSteps', totalSteps),
    totalSteps >= warmupSteps || `totalSteps: must be >= warmupSteps (${warmupSteps}), got ${totalSteps}`,
    floor <= peak || `floor: must be <= peak (${peak}), got ${floor}`,
  ], 'warmup-cosine schedule');
  const decaySteps = Math.max(totalSteps - warmupSteps, 1);
  return schedule((n, step) => {
    const progress = n.min(n.max(n.div(n.sub(step, warmupSteps), decaySteps), 0), 1);
    const cosine = n.add(floor, n.mul((peak - floor) / 2, n.add(1, n.cos(n.mul(progress, Math.PI)))));
    return warmupSteps === 0 ? cosine : n.ifLess(step, warmupSteps, n.mul(peak / warmupSteps, step), cosine);
  });
};
