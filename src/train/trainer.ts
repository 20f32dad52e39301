/**
 * One trainer for every model: what differs between the tokenizer, the AR model and the
 * classifiers is an Objective value (its loss, optimiser, clipping and carried state); the
 * compiled step, its two data-parallel halves, memory hand-over and metrics are written once.
 */
import { compile } from '../compile/compile.ts';
import type { BackendName } from '../compile/backend.ts';
import type { DeviceArray } from '../compile/device-array.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import type { Key } from '../random/key.ts';
import type { Tree } from '../tree/tree.ts';
import { packMetrics, unpackMetrics } from './metrics.ts';
import type { Optimizer } from './optimizer.ts';
import { applyGradients, gradientsWithAux } from './train-step.ts';
import { add } from '../ops/index.ts';

/**
 * A training state by part: the parameters, the optimiser state and whatever the objective
 * carries (e.g. `ema`), each a tree of arrays: on the host before the first step (or from a
 * checkpoint), on the device after. Trees are plain records checked when flattened, so model
 * parameter interfaces fit without casts.
 */
export type TrainState = Readonly<Record<string, object>>;

/** What a step feeds the graph: a record of arrays, keys and numbers (nested records allowed). */
export type StepArrays = object;

/** The traced view of step arrays: every leaf is a graph value. */
export type Traced<X> = X extends HostArray | DeviceArray | Key | number ? Node
  : X extends object ? { readonly [K in keyof X]: Traced<X[K]> } : X;

/** One step's inputs: `variant` fixes the traced graph (one compiled plan per distinct value), `arrays` feed it. */
export interface StepInput<V, X extends StepArrays> {
  readonly variant: V;
  readonly arrays: X;
}

/** The loss of a batch (a scalar mean) and its named terms from the same forward pass. */
export interface LossValue {
  readonly total: Node;
  readonly terms: Readonly<Record<string, Node>>;
}

/**
 * State updated after each parameter update, beside `params` and `opt` (e.g. an EMA of the
 * parameters, or EMAs of the step's own loss terms such as LeCAM's discriminator means).
 */
export interface Carry {
  init(params: object): Readonly<Record<string, object>>;
  update(carried: Readonly<Record<string, Tree<Node>>>, params: Tree<Node>, terms: Readonly<Record<string, Node>>): Readonly<Record<string, Tree<Node>>>;
}

/**
 * A second player trained in the same step (a GAN's discriminator): its parameters live in the
 * state under `key` and its optimiser state under `${key}Opt`, with its own optimiser and
 * clipping. The objective's `adversaryTotal` is its loss. Both players differentiate one sum
 * (generator loss + adversary loss): each loss must stop the gradient of the other player's
 * values it reads (the generator's term reads the adversary through stopGradient, the
 * adversary's term reads the detached reconstruction), so each player gets only its own
 * loss's gradient, as with two optimisers stepping on the same batch.
 */
export interface Adversary {
  readonly key: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the state type is the optimiser's own business
  readonly optimizer: Optimizer<any>;
  readonly clip?: number;
  /** The adversary's initial parameters (host arrays). */
  init(): object;
}

export interface Objective<V, X extends StepArrays> {
  /** Names the compiled plans (in errors and profiles). */
  readonly name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the state type is the optimiser's own business
  readonly optimizer: Optimizer<any>;
  /** Clip gradients to this global L2 norm before the update. */
  readonly clip?: number;
  /** `state` is the rest of the training state (the adversary's parameters, carried EMAs) as graph values. */
  loss(variant: V, params: Tree<Node>, x: Traced<X>, state: Readonly<Record<string, Tree<Node>>>): LossValue & { readonly adversaryTotal?: Node };
  readonly carry?: Carry;
  readonly adversary?: Adversary;
}

export type Metrics = Readonly<Record<string, number>>;

export interface Trainer<V, X extends StepArrays> {
  /** The state of step 0: these parameters, a fresh optimiser state and the carried parts. */
  initState(params: object): TrainState;
  /** One step as one compiled plan (forward, backward, clipping, update, carry); the given state is consumed. */
  step(state: TrainState, input: StepInput<V, X>): Promise<{ state: TrainState; metrics: Metrics }>;
  /** A data-parallel replica's first half: its shard's gradients (read back) and loss terms; the state is kept. */
  gradients(state: TrainState, input: StepInput<V, X>): Promise<{ grads: object; metrics: Metrics }>;
  /** The second half: the update with the averaged gradients; the given state is consumed. */
  apply(state: TrainState, grads: object): Promise<{ state: TrainState; metrics: Metrics }>;
  /** Compiled plans so far (one per variant and half). */
  readonly planCount: number;
}

type StateNodes = Readonly<Record<string, Tree<Node>>>;
type Updated = { readonly state: StateNodes; readonly metrics: Node };

export const trainer = <V, X extends StepArrays>(obj: Objective<V, X>, opts: { readonly backend: BackendName }): Trainer<V, X> => {
  // metric names are known once a plan is traced; packed in sorted order, one transfer per step
  const names = new Map<string, string[]>();
  const packed = (plan: string, m: Readonly<Record<string, Node>>): Node => {
    names.set(plan, Object.keys(m).sort());
    return packMetrics(m);
  };
  const metricsOf = (plan: string, m: HostArray): Metrics => unpackMetrics(m, names.get(plan) ?? []);
  type Terms = Readonly<Record<string, Node>>;
  // the traced step arrays have the step arrays' structure (compile rebuilds them leaf by leaf)
  const adv = obj.adversary;
  const advOpt = adv ? `${adv.key}Opt` : '';
  // the differentiated tree: the parameters, and the adversary's beside them when there is one
  const gradientsOf = (v: V, x: Tree<Node>, state: StateNodes) => {
    if (!adv) return gradientsWithAux<Tree<Node>, [], Terms>((p): [Node, Terms] => { const l = obj.loss(v, p, x as Traced<X>, state); return [l.total, l.terms]; })(state.params);
    const players = { params: state.params, [adv.key]: state[adv.key] };
    const g = gradientsWithAux<Tree<Node>, [], Terms>((both): [Node, Terms] => {
      const b = both as StateNodes;
      const l = obj.loss(v, b.params, x as Traced<X>, { ...state, [adv.key]: b[adv.key] });
      if (!l.adversaryTotal) throw new Error(`${obj.name}: an objective with an adversary must return adversaryTotal`);
      return [add(l.total, l.adversaryTotal), { ...l.terms, generatorLoss: l.total, [`${adv.key}Loss`]: l.adversaryTotal }];
    })(players);
    const { generatorLoss, ...aux } = g.aux;
    return { loss: generatorLoss, aux, grads: g.grads };
  };
  // the state's parts the optimisers own; everything else is the carry's
  const owned = new Set(['params', 'opt', ...(adv ? [adv.key, advOpt] : [])]);
  const update = (state: StateNodes, grads: Tree<Node>, terms: Terms) => {
    const carried = Object.fromEntries(Object.entries(state).filter(([k]) => !owned.has(k)));
    const g = grads as StateNodes;
    const u = applyGradients(obj.optimizer, obj.clip)(state.params, state.opt, adv ? g.params : grads);
    const next = obj.carry ? obj.carry.update(carried, u.params, terms) : {};
    if (!adv) return { state: { ...next, params: u.params, opt: u.state as Tree<Node> }, gradNorm: u.gradNorm, lr: u.lr, advMetrics: {} as Terms };
    const a = applyGradients(adv.optimizer, adv.clip)(state[adv.key], state[advOpt], g[adv.key]);
    return {
      state: { ...next, [adv.key]: a.params, [advOpt]: a.state as Tree<Node>, params: u.params, opt: u.state as Tree<Node> },
      gradNorm: u.gradNorm, lr: u.lr, advMetrics: { [`${adv.key}GradNorm`]: a.gradNorm } as Terms,
    };
  };

  const plans = new Map<string, { readonly planCount: number }>();
  const planFor = <C extends { readonly planCount: number }>(id: string, build: () => C): C => {
    let p = plans.get(id) as C | undefined;
    if (!p) { p = build(); plans.set(id, p); }
    return p;
  };
  const base = { backend: opts.backend };
  const stepPlan = (v: V) => {
    const id = `step ${JSON.stringify(v)}`;
    return planFor(id, () => compile((state: StateNodes, x: Tree<Node>): Updated => {
      const g = gradientsOf(v, x, state);
      const u = update(state, g.grads, g.aux);
      return { state: u.state, metrics: packed(id, { ...g.aux, ...u.advMetrics, loss: g.loss, gradNorm: u.gradNorm, lr: u.lr }) };
    }, { ...base, name: `${obj.name}-step`, donate: [0], hostOutputs: ['metrics'] }));
  };
  const gradientsPlan = (v: V) => {
    const id = `gradients ${JSON.stringify(v)}`;
    return planFor(id, () => compile((params: Tree<Node>, x: Tree<Node>): { readonly grads: Tree<Node>; readonly metrics: Node } => {
      if (adv) throw new Error(`${obj.name}: data-parallel replicas do not train an adversary yet; train with one worker`);
      const g = gradientsOf(v, x, { params });
      return { grads: g.grads, metrics: packed(id, { ...g.aux, loss: g.loss }) };
    }, { ...base, name: `${obj.name}-gradients`, hostOutputs: ['grads', 'metrics'] }));
  };
  const applyPlan = () => planFor('apply', () => compile((state: StateNodes, grads: Tree<Node>): Updated => {
    // the replicas' loss terms stay on their side: a carry that reads them needs one worker
    const u = update(state, grads, {});
    return { state: u.state, metrics: packed('apply', { gradNorm: u.gradNorm, lr: u.lr }) };
  }, { ...base, name: `${obj.name}-update`, donate: [0], hostOutputs: ['metrics'] }));

  return {
    initState: (params) => {
      const played = adv ? (() => { const a = adv.init(); return { [adv.key]: a, [advOpt]: adv.optimizer.initHost(a) }; })() : {};
      return { ...obj.carry?.init(params), ...played, params, opt: obj.optimizer.initHost(params) };
    },
    step: async (state, input) => {
      const out = await stepPlan(input.variant).run(state, input.arrays);
      return { state: out.state as TrainState, metrics: metricsOf(`step ${JSON.stringify(input.variant)}`, out.metrics) };
    },
    gradients: async (state, input) => {
      const out = await gradientsPlan(input.variant).run(state.params, input.arrays);
      return { grads: out.grads, metrics: metricsOf(`gradients ${JSON.stringify(input.variant)}`, out.metrics) };
    },
    apply: async (state, grads) => {
      const out = await applyPlan().run(state, grads);
      return { state: out.state as TrainState, metrics: metricsOf('apply', out.metrics) };
    },
    get planCount() { return [...plans.values()].reduce((n, p) => n + p.planCount, 0); },
  };
};
