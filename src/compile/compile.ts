import * as tf from '@tensorflow/tfjs-core';
import { GraphError } from '../ir/errors.ts';
import { isNode, type Node } from '../ir/node.ts';
import type { DType } from '../ir/dtype.ts';
import { input } from '../ops/constants.ts';
import { registry } from '../primitives/registry.ts';
import type { Value } from '../primitives/primitive.ts';
import { isKey, type Key } from '../random/key.ts';
import { flatten, unflatten, type Tree, type TreeDef } from '../tree/tree.ts';
import { activate, defaultBackend, isOnnxBackend, parseBackendName, useBackend, type BackendName, type OnnxBackendName, type TfBackendName } from './backend.ts';
import { DeviceArray, isDeviceArray, type DeviceBuffer } from './device-array.ts';
import type { PreparedOnnx } from './onnx/run.ts';
import { tensorOf, wrapTensor } from './tensor-buffer.ts';
import { isHostArray, type HostArray } from '../ir/host-array.ts';
import { executePlan } from './execute.ts';
import type { ExecOptions } from './exec-options.ts';
import { makePlan, type Plan } from './plan.ts';

/** What may be passed to a compiled function, leaf by leaf. */
export type RuntimeLeaf = DeviceArray | HostArray | Key | number;

const isRuntimeLeaf = (x: unknown): x is RuntimeLeaf => isDeviceArray(x) || isHostArray(x) || isKey(x) || typeof x === 'number';

// the general tree type maps as a whole: distributing over its recursive union never ends
type IsAnyTree<T> = [Tree<Node>] extends [T] ? ([T] extends [Tree<Node>] ? true : false) : false;

/** The run-time counterpart of a traced output type: nodes become device arrays. */
export type Materialized<T> = IsAnyTree<T> extends true ? Tree<DeviceArray> : T extends Node ? DeviceArray
  : T extends readonly unknown[] ? { [K in keyof T]: Materialized<T[K]> }
  : T extends object ? { [K in keyof T]: Materialized<T[K]> } : never;

/** The same output read back to the host: nodes become host arrays. */
export type Hosted<T> = IsAnyTree<T> extends true ? Tree<HostArray> : T extends Node ? HostArray
  : T extends readonly unknown[] ? { [K in keyof T]: Hosted<T[K]> }
  : T extends object ? { [K in keyof T]: Hosted<T[K]> } : never;

/** What `run` returns: device arrays, except the record fields named in `hostOutputs`, which come back as host arrays. */
export type Output<R, H extends PropertyKey> = [H] extends [never] ? Materialized<R>
  : { [K in keyof R]: K extends H ? Hosted<R[K]> : Materialized<R[K]> };


export interface CompileOptions extends ExecOptions {
  /** Backend to run on; default: the preferred backend, else webgpu when a hardware adapter exists, else wasm. */
  readonly backend?: BackendName | string;
  readonly name?: string;
}

/** How one compiled function hands memory over; per function, so spreading CompileOptions never carries them. */
export interface OwnershipOptions<H extends string> {
  /**
   * Argument positions the call consumes (JAX's donate_argnums): their device arrays are freed
   * as soon as the call has run. For state a call replaces: parameters, optimiser state, caches.
   */
  readonly donate?: readonly number[];
  /** Fields of the returned record that the call reads back to the host, freeing their device copies (metrics, images). */
  readonly hostOutputs?: readonly H[];
}

interface Cached {
  plan: Plan;
  constants: Value[];
  outDef: TreeDef;
  graph: Node[];
  /** The arguments' avals of this signature (the ONNX model's inputs). */
  avals: { shape: number[]; dtype: DType }[];
  /** On an ONNX backend: this signature's model and session, made on the first run. */
  onnx?: Promise<PreparedOnnx>;
}

// the ONNX compiler (and onnx-proto) load only when an ONNX backend is used: browser bundles keep it in its own chunk
const onnxRunner = () => import('./onnx/run.ts');

const avalOf = (x: RuntimeLeaf): { shape: number[]; dtype: DType } =>
  typeof x === 'number' ? { shape: [], dtype: 'float32' }
  : isKey(x) ? { shape: [], dtype: 'key' }
  : { shape: [...x.shape], dtype: x.dtype };

const signatureOf = (leaves: readonly RuntimeLeaf[], def: TreeDef): string =>
  `${JSON.stringify(def)}|${leaves.map((l) => { const a = avalOf(l); return `${a.dtype}[${a.shape}]`; }).join(';')}`;

/**
 * A traced function, compiled per input signature into a plan for one backend.
 * `run` is the only place where device memory changes hands.
 */
export class Compiled<R, H extends string = never> {
  readonly #fn: (...args: never[]) => R;
  readonly #opts: CompileOptions & OwnershipOptions<H>;
  readonly #cache = new Map<string, Cached>();
  #backend: BackendName | undefined;

  constructor(fn: (...args: never[]) => R, opts: CompileOptions & OwnershipOptions<H>) {
    this.#fn = fn;
    this.#opts = opts;
    this.#backend = opts.backend === undefined ? undefined : parseBackendName(opts.backend);
    // the plans' uploaded constants live as long as this function does, or its compile scope
    constantsOwner.register(this, this.#cache, this);
    openScopes.forEach((owned) => owned.add(this));
  }

  /** Number of distinct input signatures compiled so far. */
  get planCount(): number { return this.#cache.size; }

  async backend(): Promise<BackendName> {
    this.#backend ??= await defaultBackend();
    return this.#backend;
  }

  /** Traces (or reuses) the plan for these arguments' shapes; a graph error is thrown here. */
  trace(args: readonly unknown[]): void {
    this.#traced(args);
  }

  #traced(args: readonly unknown[]): { cached: Cached; leaves: RuntimeLeaf[] } {
    const { leaves, def } = flatten(args as Tree<RuntimeLeaf>, isRuntimeLeaf, 'array, key or number');
    const sig = signatureOf(leaves, def);
    let cached = this.#cache.get(sig);
    if (!cached) {
      const placeholders = leaves.map((l, i) => { const a = avalOf(l); return input(i, a.shape, a.dtype); });
      // the arguments' tree with graph values for leaves: fn's own parameter types, which only fn knows
      const traced = unflatten(def, placeholders) as unknown as never[];
      const out = this.#fn(...traced);
      const flatOut = flatten(out as Tree<Node>, isNode, 'graph value');
      const keyOut = flatOut.leaves.findIndex((n) => n.dtype === 'key');
      if (keyOut >= 0) {
        throw new GraphError('input', 'compile', `output ${flatOut.paths[keyOut]} is a PRNG key; compiled functions return arrays (split keys on the host with split())`);
      }
      const plan = makePlan(flatOut.leaves, leaves.length);
      cached = { plan, constants: [], outDef: flatOut.def, graph: flatOut.leaves, avals: leaves.map(avalOf) };
      this.#cache.set(sig, cached);
    }
    return { cached, leaves };
  }

  async run(...args: unknown[]): Promise<Output<R, H>> {
    const backend = await this.backend();
    await useBackend(backend);
    const out = isOnnxBackend(backend) ? await this.#runOnnx(backend, args) : this.#runSync(backend, args);
    const hosted = this.#opts.hostOutputs ?? [];
    if (hosted.length === 0) return out as Output<R, H>;
    const rec = out as Record<string, unknown>;
    const read = await Promise.all(hosted.map(async (k) => [k, await readBack(rec[k])] as const));
    return Object.freeze({ ...rec, ...Object.fromEntries(read) }) as Output<R, H>;
  }

  /** Runs and reads the whole result back to the host; the device copies are freed. */
  async host(...args: unknown[]): Promise<Hosted<R>> {
    const backend = await this.backend();
    await useBackend(backend);
    return await readBack(isOnnxBackend(backend) ? await this.#runOnnx(backend, args) : this.#runSync(backend, args)) as Hosted<R>;
  }

  /** Per signature so far (ONNX backends): the time to build the model and create its session, and the model's node count. */
  async sessionStats(): Promise<{ ms: number; nodes: number }[]> {
    const made = [...this.#cache.values()].flatMap((c) => (c.onnx ? [c.onnx] : []));
    return (await Promise.all(made)).map((p) => ({ ms: p.ms, nodes: p.program.onnxNodeCount }));
  }

  /** The whole graph of this signature as one ONNX model and one session, cached; host steps and arguments fed per run. */
  async #runOnnx(backend: OnnxBackendName, args: readonly unknown[]): Promise<Materialized<R>> {
    const { cached, leaves } = this.#traced(args);
    const runner = await onnxRunner();
    if (!cached.onnx) {
      const made = runner.prepareOnnx(cached.plan, cached.avals, this.#opts.name, backend);
      cached.onnx = made;
      // a refused model is not cached: the next call tries (and reports) again
      made.catch(() => { if (cached.onnx === made) cached.onnx = undefined; });
    }
    const prepared = await cached.onnx;
    const uploaded: DeviceBuffer[] = [];
    const values = leaves.map((l): Key | DeviceBuffer => {
      if (isKey(l)) return l;
      if (isDeviceArray(l)) {
        if (!prepared.engine.owns(l.buffer)) throw new Error(`this DeviceArray lives on ${l.backend}, not on ${backend}: devicePut its host copy on ${backend}`);
        return l.buffer;
      }
      const b = prepared.engine.upload(typeof l === 'number' ? { data: Float32Array.of(l), shape: [], dtype: 'float32' } : l);
      uploaded.push(b);
      return b;
    });
    try {
      const outs = await runner.runOnnx(prepared, values);
      if (this.#opts.checkShapes || this.#opts.checkNumerics) await checkOutputs(outs, prepared, this.#opts.checkNumerics ?? false);
      const wrapped = outs.map((b) => new DeviceArray(b, backend));
      if (this.#opts.donate?.length) consume(args, this.#opts.donate);
      return unflatten(cached.outDef, wrapped) as Materialized<R>;
    } finally {
      uploaded.forEach((b) => b.free());
    }
  }

  #runSync(backend: TfBackendName, args: readonly unknown[]): Materialized<R> {
    const { cached, leaves } = this.#traced(args);
    activate(backend);
    if (cached.constants.length !== cached.plan.constants.length) {
      cached.constants = cached.plan.constants.map((c) => tf.tidy(() => registry.constant.lower([], c.node.attrs as never, c.node) as tf.Tensor));
    }
    const uploaded: tf.Tensor[] = [];
    const values: Value[] = leaves.map((l) => {
      if (isKey(l)) return l;
      if (isDeviceArray(l)) return tensorOf(l);
      const t = typeof l === 'number' ? tf.scalar(l, 'float32') : tf.tensor(l.data, [...l.shape], l.dtype);
      uploaded.push(t);
      return t;
    });
    try {
      const outs = executePlan(cached.plan, values, cached.constants, backend, this.#opts);
      const wrapped = outs.map((v) => wrapTensor(v as tf.Tensor, backend));
      if (this.#opts.donate?.length) consume(args, this.#opts.donate);
      return unflatten(cached.outDef, wrapped) as Materialized<R>;
    } finally {
      uploaded.forEach((t) => t.dispose());
    }
  }

  /** Frees the plans' constants now rather than when this function is collected (edges and tests). */
  dispose(): void {
    constantsOwner.unregister(this);
    freeConstants(this.#cache);
  }
}

/** The debugging checks on an ONNX run: shapes against the shape rules, and finite outputs (ONNX Runtime runs the graph whole, so only outputs can be checked). */
const checkOutputs = async (outs: readonly DeviceBuffer[], p: PreparedOnnx, numerics: boolean): Promise<void> => {
  for (const [j, o] of p.program.outputs.entries()) {
    if (outs[j].shape.join() !== o.shape.join()) {
      throw new GraphError('shape', p.backend, `output ${j}: executed shape [${outs[j].shape}] differs from the shape rule's [${o.shape}]`);
    }
    if (numerics && o.dtype === 'float32' && (await outs[j].read()).some((v) => !Number.isFinite(v))) {
      throw new GraphError('nonfinite', p.backend, `output ${j} holds a non-finite value (run on cpu with checkNumerics to name the op that produced it)`);
    }
  }
};

const freeConstants = (cache: Map<string, Cached>): void => {
  for (const c of cache.values()) {
    c.constants.forEach((v) => { if (!isKey(v)) (v as tf.Tensor).dispose(); });
    c.onnx?.then((p) => p.session.release(), () => undefined);
  }
  cache.clear();
};
const constantsOwner = new FinalizationRegistry<Map<string, Cached>>(freeConstants);

type Disposable = { dispose(): void };
const openScopes = new Set<Set<Disposable>>();

/**
 * Runs a job and then frees every graph compiled while it ran: plans' constants and, on ONNX
 * Runtime, sessions with their memory arenas. Without a scope they go when the compiled function
 * is collected, and V8, which does not see that native memory, may keep them for a long time: a
 * job that compiles graph after graph (compare, row after row) held 21 GB. The edge that knows a
 * job's lifetime opens the scope; model, training and evaluation code never frees anything. What
 * the job returns must not hold its compiled functions (results on the host are fine), and a
 * scope owns whatever is compiled while it is open, so run one scoped job at a time.
 */
export const withCompileScope = async <T>(job: () => Promise<T>): Promise<T> => {
  const owned = new Set<Disposable>();
  openScopes.add(owned);
  try {
    return await job();
  } finally {
    openScopes.delete(owned);
    owned.forEach((c) => c.dispose());
  }
};

const deviceLeaves = (tree: unknown): DeviceArray[] =>
  flatten(tree as Tree<unknown>, (x): x is unknown => isRuntimeLeaf(x) || isHostArray(x)).leaves.filter(isDeviceArray);

/** Frees the donated arguments' device arrays, except any also passed at a position that was not donated. */
const consume = (args: readonly unknown[], donate: readonly number[]): void => {
  const kept = new Set(args.flatMap((a, i) => (donate.includes(i) ? [] : deviceLeaves(a))));
  for (const i of donate) for (const d of deviceLeaves(args[i])) if (!kept.has(d)) d.release('donated to a compiled call');
};

/**
 * Moves a result to the host: reads it back and frees the device copy, which the caller gives up
 * (like a donation). For results read once, lazily, after later calls were queued behind them.
 */
export const moveToHost = async (a: DeviceArray): Promise<HostArray> => {
  const h = await a.host();
  a.release('moved to the host');
  return h;
};

/** Reads every device array of a tree back to the host and frees it. */
const readBack = async (tree: unknown): Promise<Tree<HostArray>> => {
  const { leaves, def } = flatten(tree as Tree<DeviceArray>, isDeviceArray, 'device array');
  return unflatten<HostArray>(def, await Promise.all(leaves.map(moveToHost)));
};


/**
 * compile(fn): fn takes trees of graph values and returns a tree of graph values. `donate` and
 * `hostOutputs` say which memory the call consumes and which results it reads back.
 */
export const compile = <A extends unknown[], R, H extends keyof R & string = never>(
  fn: (...args: A) => R, opts: CompileOptions & OwnershipOptions<H> = {},
): Compiled<R, H> =>
  // the traced arguments are rebuilt from the runtime ones, so the parameter types cannot be checked here
  new Compiled<R, H>(fn as unknown as (...args: never[]) => R, opts);

/** Frees every device array in a tree now (edges and tests; otherwise collection frees them). */
export const release = (tree: unknown): void => {
  const { leaves } = flatten(tree as Tree<unknown>, (x): x is unknown => isDeviceArray(x) || isKey(x) || isHostArray(x) || typeof x === 'number');
  for (const l of leaves) if (isDeviceArray(l)) l.release();
};

/** Reads a tree's device arrays back to the host; host arrays pass through (checkpoints of a state that has not stepped yet). */
export const toHost = async (tree: object): Promise<Tree<HostArray>> => {
  const { leaves, def } = flatten(tree as Tree<DeviceArray | HostArray>, (x): x is DeviceArray | HostArray => isDeviceArray(x) || isHostArray(x), 'array');
  return unflatten<HostArray>(def, await Promise.all(leaves.map((l) => (isDeviceArray(l) ? l.host() : l))));
};

export { GraphError };

/** Compiles fn, runs it once on these arguments and reads the results back (for scripts and tests). */
export const runOnce = async <A extends unknown[], R>(fn: (...args: A) => R, args: readonly unknown[], opts: CompileOptions = {}): Promise<Hosted<R>> =>
  compile(fn, opts).host(...args);
