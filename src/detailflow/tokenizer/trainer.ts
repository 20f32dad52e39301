import * as O from 'fp-ts/lib/Option.js';
import { compile, release, type Compiled } from '../../compile/compile.ts';
import { hostArray, type DeviceArray, type HostArray } from '../../compile/device-array.ts';
import type { BackendName } from '../../compile/backend.ts';
import type { Node } from '../../ir/node.ts';
import { foldIn, type Key } from '../../random/key.ts';
import { adam, type AdamState } from '../../train/adam.ts';
import { stepFnWithAux } from '../../train/train-step.ts';
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

const METRICS = ['loss', 'mse', 'vq', 'commit', 'align', 'perceptual', 'gradNorm', 'lr'];

/**
 * The tokenizer's training step for every prefix t: one compiled plan per t (t fixes the
 * decoder's output size), each the whole forward, backward, clipping and Adam update.
 */
export const tokenizerTrainer = (tk: Tokenizer, train: TrainConfig, teacher: Teacher | undefined, backend: BackendName) => {
  const optimizer = adam({
    lr: warmupCosine({ peak: train.lr, warmupSteps: Math.round(train.warmupFraction * train.steps), totalSteps: train.steps, floor: train.lr * train.minLrRatio }),
    b1: train.b1, b2: train.b2,
  });
  const plans = new Map<number, Compiled<unknown>>();
  const graphFor = (t: number, withSpan: boolean) => (
    params: Params<TokenizerParams>, opt: AdamState, images: Node, teacherArg: unknown, span: Node, mix: Node, noiseKey: Node, perceptualWeight: Node,
  ) => {
    const target = teacher ? alignmentTarget(teacher, teacherArg, images) : undefined;
    const maps = teacher?.kind === 'network' ? (x: Node) => teacher.features(teacherArg as never, x).maps : undefined;
    const loss = (p: Params<TokenizerParams>): [Node, LossTerms] => {
      const r = tokenizerLoss(tk, t)(p, {
        images,
        teacherPooled: target?.pooled,
        ...(withSpan ? { span, mix, noiseKey } : {}),
        ...(maps ? { perceptual: { weight: perceptualWeight, maps } } : {}),
      });
      return [r.total, r];
    };
    const out = stepFnWithAux(loss, optimizer, train.clip)(params, opt);
    const { total, ...terms } = out.aux;
    return { params: out.params, state: out.state, metrics: packMetrics({ ...terms, loss: total, gradNorm: out.gradNorm, lr: out.lr }) };
  };
  const planFor = (t: number, withSpan: boolean): Compiled<unknown> => {
    const k = t * 2 + (withSpan ? 1 : 0);
    let c = plans.get(k);
    if (!c) { c = compile(graphFor(t, withSpan), { backend, name: `tokenizer-step-t${t}` }); plans.set(k, c); }
    return c;
  };
  return {
    optimizer,
    initOpt: (params: Tree<HostArray>): Tree<HostArray> => optimizer.initHost(params),
    /** One step; releases the previous state's device arrays. */
    step: async (state: TrainerState, plan: StepPlan, images: HostArray, teacherArg: unknown, perceptualWeight: number) => {
      const N = tk.config.tokens;
      const span = O.isSome(plan.span) ? plan.span.value : { start: 0, end: 0 };
      const [wClean, wCorr] = vqMixWeights(N, span.end);
      const compiled = planFor(plan.t, O.isSome(plan.span));
      const out = await compiled.run(state.params, state.opt, images, teacherArg ?? scalarZero, spanMasks(N, span),
        hostArray(Float32Array.of(wClean, wCorr), [2]), plan.noiseKey, perceptualWeight) as unknown as {
        params: Tree<DeviceArray>; state: Tree<DeviceArray>; metrics: DeviceArray;
      };
      release(state.params);
      release(state.opt);
      const metrics = { t: plan.t, ...(await unpackMetrics(out.metrics, METRICS)) };
      out.metrics.release();
      return { state: { params: out.params, opt: out.state }, metrics };
    },
    dispose: () => { for (const c of plans.values()) c.dispose(); plans.clear(); },
  };
};

const scalarZero = 0;
