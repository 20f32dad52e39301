import * as E from 'fp-ts/lib/Either.js';
import { ConfigError } from '../../config/errors.ts';
import type { Span } from '../noise-span.ts';
import { passPlanOf } from '../pass-plan.ts';
import { partitionOf } from '../partition-config.ts';
import type { Partition } from '../partition.ts';
import { nullClassOf, type ArConfig } from '../ar/config.ts';
import { checkTokenizerPair, type TokenizerShape } from './pair.ts';

export interface SampleOptions {
  /** Guidance scale s >= 1; 1 (default) samples conditionally with no doubled batch. The reference evaluates N = 128 at 1.45. */
  readonly cfg?: number;
  /**
   * Scale per pass: 'constant' (default); 'gradual', the reference's gradual_cfg, s (G - i + 1)/(G + 1)
   * for parallel group i (G = N/g) and s for the strict passes (over pass index for any partition:
   * see gradualScales); or one scale per pass.
   */
  readonly cfgSchedule?: 'constant' | 'gradual' | readonly number[];
  /** Default 1; clamped at 1e-5, so 0 is greedy. */
  readonly temperature?: number;
  /** Keep the k most likely tokens (k >= 1; k >= V keeps all, as the reference's top_k = V). */
  readonly topK?: number;
  /** Nucleus mass in (0, 1]; default 1 (off). */
  readonly topP?: number;
  /** Use the KV cache (default true); false recomputes the whole prefix every pass, as the reference. */
  readonly cache?: boolean;
  /** 'always' runs the doubled CFG batch even when every scale is 1 (to check that s = 1 is conditional sampling). */
  readonly guidance?: 'auto' | 'always';
  /** When given, the tokenizer that will decode the samples; it must match the model. */
  readonly tokenizer?: TokenizerShape;
}

/** A checked request: the pass plan, a scale per pass, and the labels as int32. */
export interface SampleRequest {
  readonly labels: Int32Array;
  readonly spans: readonly Span[];
  readonly scales: readonly number[];
  readonly doubled: boolean;
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly cache: boolean;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * gradual_cfg over pass index: the strict passes (inside the causal window) get s; the Q passes
 * after it, j = 0..Q-1, get s (G - i + 1)/(G + 1) with i = C/w + j and G = C/w + Q, w the first
 * parallel span's size (the causal window counts as C/w passes of that size). For DetailFlow
 * w = g, so i is the group index s.start/g and G = N/g: the reference's numbers exactly.
 */
export const gradualScales = (p: Partition, cfg: number): number[] => {
  const parallel = p.spans.findIndex((s) => s.start >= p.causal);
  if (parallel < 0) return p.spans.map(() => cfg);
  const w = p.spans[parallel].end - p.spans[parallel].start;
  const before = p.causal / w;
  const G = before + (p.spans.length - parallel);
  return p.spans.map((s, k) => (s.start < p.causal ? cfg : (cfg * (G - (before + (k - parallel)) + 1)) / (G + 1)));
};

const scalesFor = (c: ArConfig, spans: readonly Span[], cfg: number, schedule: SampleOptions['cfgSchedule'], problems: string[]): number[] => {
  if (schedule === undefined || schedule === 'constant') return spans.map(() => cfg);
  if (schedule === 'gradual') return gradualScales(partitionOf(c), cfg);
  if (Array.isArray(schedule)) {
    if (schedule.length !== spans.length || !schedule.every(isNum)) {
      problems.push(`cfgSchedule: expected ${spans.length} finite scales (one per pass), got ${schedule.length} values`);
    }
    return [...schedule];
  }
  problems.push(`cfgSchedule: expected 'constant', 'gradual' or an array of scales, got ${JSON.stringify(schedule)}`);
  return [];
};

/**
 * Checks everything about a sampling request before any work: class ids, guidance (scale >= 1,
 * a null class when guiding), temperature, top-k, top-p, the tokenizer pair, and for
 * token-by-token sampling a model trained with g = 1. Every problem is reported.
 */
/**
 * The checks of sampling options that need no model (guidance scale, temperature, top-k, top-p),
 * so a command can refuse them before it loads anything; checkSampleRequest makes them too.
 */
export const samplingOptionProblems = (o: Pick<SampleOptions, 'cfg' | 'temperature' | 'topK' | 'topP'>): string[] => {
  const problems: string[] = [];
  const cfg = o.cfg ?? 1;
  if (!isNum(cfg) || cfg < 1) problems.push(`cfg: expected a guidance scale >= 1, got ${cfg}`);
  const temperature = o.temperature ?? 1;
  if (!isNum(temperature) || temperature < 0) problems.push(`temperature: expected a number >= 0, got ${temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 1)) problems.push(`topK: expected an integer >= 1, got ${o.topK}`);
  if (o.topP !== undefined && !(isNum(o.topP) && o.topP > 0 && o.topP <= 1)) problems.push(`topP: expected a number in (0, 1], got ${o.topP}`);
  return problems;
};

export const checkSampleRequest = (
  c: ArConfig, labels: ArrayLike<number>, o: SampleOptions, mode: 'grouped' | 'token-by-token',
): E.Either<ConfigError, SampleRequest> => {
  const problems: string[] = [];
  if (labels.length < 1) problems.push('labels: expected at least one class id');
  const bad = [...new Set(Array.from(labels).filter((l) => !(Number.isInteger(l) && l >= 0 && l < c.classes)))];
  if (bad.length) problems.push(`labels: unknown class id${bad.length > 1 ? 's' : ''} ${bad.slice(0, 8).join(', ')} (the model has classes 0..${c.classes - 1})`);
  problems.push(...samplingOptionProblems(o));
  const cfg = o.cfg ?? 1;
  const spans = passPlanOf(partitionOf(c));
  const scales = scalesFor(c, spans, cfg, o.cfgSchedule, problems);
  const doubled = o.guidance === 'always' || scales.some((s) => s !== 1);
  if (doubled && nullClassOf(c) === undefined) problems.push(`cfg: classifier-free guidance (scale ${cfg}) needs the model's null class, and this model has none (nullClass: false)`);
  const temperature = o.temperature ?? 1;
  if (mode === 'token-by-token' && (c.spans === undefined ? c.group !== 1 : spans.length !== c.tokens)) problems.push(`token-by-token sampling needs a model trained with group 1 (plain next-token), this one has g = ${c.group}; use the grouped sampler`);
  if (o.tokenizer) {
    const pair = checkTokenizerPair(o.tokenizer, c);
    if (E.isLeft(pair)) problems.push(...pair.left.problems);
  }
  if (problems.length) return E.left(new ConfigError(problems, 'sampling request'));
  return E.right({
    labels: Int32Array.from(labels), spans, scales, doubled, temperature, cache: o.cache ?? true,
    ...(o.topK !== undefined && o.topK < c.vocab ? { topK: o.topK } : {}),
    ...(o.topP !== undefined && o.topP < 1 ? { topP: o.topP } : {}),
  });
};
