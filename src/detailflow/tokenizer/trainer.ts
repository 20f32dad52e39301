import * as O from 'fp-ts/lib/Option.js';
import { compile, release, type Compiled } from '../../compile/compile.ts';
import { type DeviceArray } from '../../compile/device-array.ts';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import { GraphError } from '../../ir/errors.ts';
import type { Node } from '../../ir/node.ts';
import { foldIn, shardKey, type Key } from '../../random/key.ts';
import { adam, type AdamState } from '../../train/adam.ts';
import { applyGradients, gradientsWithAux, stepFnWithAux } from '../../train/train-step.ts';
import type { SplitTrainer } from '../../train/data-parallel/replica.ts';
import { shardRows } from '../../train/data-parallel/shards.ts';
import { packMetrics, unpackMetrics } from '../../train/metrics.ts';
import { warmupCosine } from '../../train/schedule.ts';
import type { Tree } from '../../tree/tree.ts';
import type { Params } from '../../nn/module.ts';
import { samplePrefix, sampleNoiseSpan } from '../api.ts';
import { vqMixWeights } from '../noise-span.ts';
import { alignmentTarget, type Teacher } from '../teacher/teacher.ts';
import type { Tokenizer, TokenizerParams } from './model.ts';
import { tokenizerLoss, type LossTerms } from './objective.ts';
import type { TrainConfig } from './train-config.ts';

/** What one step needs from the host, all derived from (run key, step): resuming repeats it exactly. */
export interface StepPlan {
  readonly t: number;
  readonly span: O.Option<{ start: number; end: number }>;
  readonly noiseKey: Key;
}

export const planStep = (tk: Tokenizer, runKey: Key, step: number): StepPlan => {
  const c = tk.config;
  const key = foldIn(runKey, step);
  const t = samplePrefix(foldIn(key, 0), { tokens: c.tokens, group: c.group, causal: c.causal, degradeProb: c.degradeProb });
  const span = c.selfCorrection ? sampleNoiseSpan(foldIn(key, 1), t, { tokens: c.tokens, group: c.group, causal: c.causal }) : O.none;
  return { t, span, noiseKey: foldIn(key, 2) };
};

/** Rows before s, inside [s, e), from e on: the masks the traced step reads the span from. */
export const spanMasks = (tokens: number, span: { start: number; end: number }): HostArray => {
  const m = new Float32Array(3 * tokens);
  for (let i = 0; i < tokens; i++) m[(i < span.start ? 0 : i < span.end ? 1 : 2) * tokens + i] = 1;
  return hostArray(m, [3, tokens]);
};

export interface TrainerState {
  readonly params: Tree<DeviceArray>;
  readonly opt: Tree<DeviceArray>;
}

/** What one step takes for the whole batch (fit.ts derives it from the run key and the step). */
export interface TokenizerStepInput {
  readonly plan: StepPlan;
  readonly images: HostArray;
  readonly teacherArg: unknown;
  readonly perceptualWeight: number;
}

/** One data-parallel shard's inputs for a step: plain data, so they can be posted to a worker. */
export interface TokenizerShardInputs {
  readonly t: number;
  readonly withSpan: boolean;
  /** This shard's rows of the batch [B / count, C, H, W]. */
  readonly images: HostArray;
  readonly span: HostArray;
  readonly mix: HostArray;
  /** A shard key (see shardKey): noise draws are this shard's rows of the whole batch's. */
  readonly noiseKey: Key;
  readonly perceptualWeight: number;
}

const METRICS = ['loss', 'mse', 'vq', 'commit', 'align', 'perceptual', 'gradNorm', 'lr'];
const SHARD_METRICS = ['loss', 'mse', 'vq', 'commit', 'align', 'perceptual'];
const UPDATE_METRICS = ['gradNorm', 'lr'];

/** What a step's plan turns into on the host, shared by every shard: span masks and VQ mixing weights. */
const planInputs = (tk: Tokenizer, plan: StepPlan) => {
  const N = tk.config.tokens;
  const span = O.isSome(plan.span) ? plan.span.value : { start: 0, end: 0 };
  const [wClean, wCorr] = vqMixWeights(N, span.end);
  return { withSpan: O.isSome(plan.span), span: spanMasks(N, span), mix: hostArray(Float32Array.of(wClean, wCorr), [2]) };
};

/** Splits a step over `count` equal shards: each gets its rows of the images and its shard of the noise key. */
export const tokenizerShards = (tk: Tokenizer, x: TokenizerStepInput, count: number): TokenizerShardInputs[] => {
  const shared = planInputs(tk, x.plan);
  return Array.from({ length: count }, (_, k) => ({
    t: x.plan.t, ...shared, images: shardRows(x.images, k, count), noiseKey: shardKey(x.plan.noiseKey, k, count), perceptualWeight: x.perceptualWeight,
  }));
};

/**
 * The tokenizer's training step for every prefix t: one compiled plan per t (t fixes the
 * decoder's output size), each the whole forward, backward, clipping and Adam update. `split`
 * gives the same step in two halves for data-parallel replicas: per-t gradient plans for a
 * shard, and one update plan for the averaged gradients.
 */
export const tokenizerTrainer = (tk: Tokenizer, train: TrainConfig, teacher: Teacher | undefined, backend: BackendName) => {
  const optimizer = adam({
    lr: warmupCosine({ peak: train.lr, warmupSteps: Math.round(train.warmupFraction * train.steps), totalSteps: train.steps, floor: train.lr * train.minLrRatio }),
    b1: train.b1, b2: train.b2,
  });
  const lossFor = (t: number, withSpan: boolean, images: Node, teacherArg: unknown, span: Node, mix: Node, noiseKey: Node, perceptualWeight: Node) => {
    const target = teacher ? alignmentTarget(teacher, teacherArg, images) : undefined;
    const maps = teacher?.kind === 'network' ? (x: Node) => teacher.features(teacherArg as never, x).maps : undefined;
    return (p: Params<TokenizerParams>): [Node, LossTerms] => {
      const r = tokenizerLoss(tk, t)(p, {
        images,
        teacherPooled: target?.pooled,
        ...(withSpan ? { span, mix, noiseKey } : {}),
        ...(maps ? { perceptual: { weight: perceptualWeight, maps } } : {}),
      });
      return [r.total, r];
    };
  };
  const stepGraph = (t: number, withSpan: boolean) => (
    params: Params<TokenizerParams>, opt: AdamState, images: Node, teacherArg: unknown, span: Node, mix: Node, noiseKey: Node, perceptualWeight: Node,
  ) => {
    const out = stepFnWithAux(lossFor(t, withSpan, images, teacherArg, span, mix, noiseKey, perceptualWeight), optimizer, train.clip)(params, opt);
    const { total, ...terms } = out.aux;
    return { params: out.params, state: out.state, metrics: packMetrics({ ...terms, loss: total, gradNorm: out.gradNorm, lr: out.lr }) };
  };
  const gradientsGraph = (t: number, withSpan: boolean) => (
    params: Params<TokenizerParams>, images: Node, teacherArg: unknown, span: Node, mix: Node, noiseKey: Node, perceptualWeight: Node,
  ) => {
    const out = gradientsWithAux(lossFor(t, withSpan, images, teacherArg, span, mix, noiseKey, perceptualWeight))(params);
    const { total, ...terms } = out.aux;
    return { grads: out.grads, metrics: packMetrics({ ...terms, loss: total }) };
  };
  const plans = new Map<string, Compiled<unknown>>();
  const planFor = (kind: 'step' | 'gradients', t: number, withSpan: boolean): Compiled<unknown> => {
    const k = `${kind}-${t}-${withSpan}`;
    let c = plans.get(k);
    if (!c) {
      c = kind === 'step'
        ? compile(stepGraph(t, withSpan), { backend, name: `tokenizer-step-t${t}` })
        : compile(gradientsGraph(t, withSpan), { backend, name: `tokenizer-gradients-t${t}` });
      plans.set(k, c);
    }
    return c;
  };
  const update = compile((params: Params<TokenizerParams>, opt: AdamState, grads: Params<TokenizerParams>) => {
    const out = applyGradients(optimizer, train.clip)(params, opt, grads);
    return { params: out.params, state: out.state, metrics: packMetrics({ gradNorm: out.gradNorm, lr: out.lr }) };
  }, { backend, name: 'tokenizer-update' });
  const metricsOf = async (packed: DeviceArray, names: readonly string[]) => {
    const m = await unpackMetrics(packed, names);
    packed.release();
    return m;
  };
  const dispose = (): void => {
    for (const c of plans.values()) c.dispose();
    plans.clear();
    update.dispose();
  };
  const splitTrainer = (teacherArg: unknown): SplitTrainer<TokenizerShardInputs> => ({
    gradients: async (state, x) => {
      const out = await planFor('gradients', x.t, x.withSpan).run(state.params, x.images, teacherArg ?? scalarZero, x.span, x.mix, x.noiseKey, x.perceptualWeight) as unknown as {
        grads: Tree<DeviceArray>; metrics: DeviceArray;
      };
      return { grads: out.grads, metrics: await metricsOf(out.metrics, SHARD_METRICS) };
    },
    apply: async (state, grads) => {
      const out = await update.run(state.params, state.opt, grads) as unknown as { params: Tree<DeviceArray>; state: Tree<DeviceArray>; metrics: DeviceArray };
      release(state);
      return { state: { params: out.params, opt: out.state }, metrics: await metricsOf(out.metrics, UPDATE_METRICS) };
    },
    dispose,
  });
  return {
    optimizer,
    initOpt: (params: Tree<HostArray>): Tree<HostArray> => optimizer.initHost(params),
    /** One step; releases the previous state's device arrays. */
    step: async (state: TrainerState, plan: StepPlan, images: HostArray, teacherArg: unknown, perceptualWeight: number) => {
      const x = planInputs(tk, plan);
      const out = await planFor('step', plan.t, x.withSpan).run(state.params, state.opt, images, teacherArg ?? scalarZero, x.span, x.mix, plan.noiseKey, perceptualWeight) as unknown as {
        params: Tree<DeviceArray>; state: Tree<DeviceArray>; metrics: DeviceArray;
      };
      release(state.params);
      release(state.opt);
      const metrics = { t: plan.t, ...(await metricsOf(out.metrics, METRICS)) };
      return { state: { params: out.params, opt: out.state }, metrics };
    },
    /** The step in two halves for a data-parallel replica; `teacherArg` is the teacher's (fixed) argument. */
    split: (teacherArg: unknown): SplitTrainer<TokenizerShardInputs> => {
      if (teacher?.kind === 'precomputed') throw new GraphError('input', 'tokenizerTrainer', 'data-parallel training cannot shard precomputed teacher features yet; train with one worker');
      return splitTrainer(teacherArg);
    },
    dispose,
  };
};

const scalarZero = 0;
