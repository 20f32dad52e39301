import * as tf from '@tensorflow/tfjs-core';
import { GraphError } from '../ir/errors.ts';
import { isNode, type Node } from '../ir/node.ts';
import type { DType } from '../ir/dtype.ts';
import { input } from '../ops/constants.ts';
import { registry } from '../primitives/registry.ts';
import type { Value } from '../primitives/primitive.ts';
import { isKey, type Key } from '../random/key.ts';
import { flatten, unflatten, type Tree, type TreeDef } from '../tree/tree.ts';
import { activate, defaultBackend, parseBackendName, useBackend, type BackendName } from './backend.ts';
import { DeviceArray, isDeviceArray } from './device-array.ts';
import { isHostArray, type HostArray } from '../ir/host-array.ts';
import { executePlan, type ExecOptions } from './execute.ts';
import { makePlan, type Plan } from './plan.ts';

/** What may be passed to a compiled function, leaf by leaf. */
export type RuntimeLeaf = DeviceArray | HostArray | Key | number;

const isRuntimeLeaf = (x: unknown): x is RuntimeLeaf => isDeviceArray(x) || isHostArray(x) || isKey(x) || typeof x === 'number';

/** The run-time counterpart of a traced output type: nodes become device arrays. */
export type Materialized<T> = T extends Node ? DeviceArray
  : T extends readonly unknown[] ? { [K in keyof T]: Materialized<T[K]> }
  : T extends object ? { [K in keyof T]: Materialized<T[K]> } : never;

export interface CompileOptions extends ExecOptions {
  /** Backend to run on; default: DETAILFLOW_BACKEND, else webgpu when an adapter exists, else wasm. */
  readonly backend?: BackendName | string;
  readonly name?: string;
}

interface Cached { plan: Plan; constants: Value[]; outDef: TreeDef; graph: Node[] }

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
export class Compiled<R> {
  readonly #fn: (...args: never[]) => R;
  readonly #opts: CompileOptions;
  readonly #cache = new Map<string, Cached>();
  #backend: BackendName | undefined;

  constructor(fn: (...args: never[]) => R, opts: CompileOptions) {
    this.#fn = fn;
    this.#opts = opts;
    this.#backend = opts.backend === undefined ? undefined : parseBackendName(opts.backend);
  }

  /** Number of distinct input signatures compiled so far. */
  get planCount(): number { return this.#cache.size; }

  async backend(): Promise<BackendName> {
    this.#backend ??= await defaultBackend();
    return this.#backend;
  }

  /** Traces (or reuses) the plan for these arguments' shapes. */
  trace(args: readonly unknown[]): { cached: Cached; leaves: RuntimeLeaf[] } {
    const { leaves, def } = flatten(args as Tree<RuntimeLeaf>, isRuntimeLeaf, 'array, key or number');
    const sig = signatureOf(leaves, def);
    let cached = this.#cache.get(sig);
    if (!cached) {
      const placeholders = leaves.map((l, i) => { const a = avalOf(l); return input(i, a.shape, a.dtype); });
      const traced = unflatten(def, placeholders) as unknown as never[];
      const out = this.#fn(...traced);
      const flatOut = flatten(out as Tree<Node>, isNode, 'graph value');
      const keyOut = flatOut.leaves.findIndex((n) => n.dtype === 'key');
      if (keyOut >= 0) {
        throw new GraphError('input', 'compile', `output ${flatOut.paths[keyOut]} is a PRNG key; compiled functions return arrays (split keys on the host with split())`);
      }
      const plan = makePlan(flatOut.leaves, leaves.length);
      cached = { plan, constants: [], outDef: flatOut.def, graph: flatOut.leaves };
      this.#cache.set(sig, cached);
    }
    return { cached, leaves };
  }

  async run(...args: unknown[]): Promise<Materialized<R>> {
    const backend = await this.backend();
    await useBackend(backend);
    return this.runSync(backend, args);
  }

  runSync(backend: BackendName, args: readonly unknown[]): Materialized<R> {
    const { cached, leaves } = this.trace(args);
    activate(backend);
    if (cached.constants.length !== cached.plan.constants.length) {
      cached.constants = cached.plan.constants.map((c) => tf.tidy(() => registry.constant.lower([], c.node.attrs as never, c.node) as tf.Tensor));
    }
    const uploaded: tf.Tensor[] = [];
    const values: Value[] = leaves.map((l) => {
      if (isKey(l)) return l;
      if (isDeviceArray(l)) return l.tensor;
      const t = typeof l === 'number' ? tf.scalar(l, 'float32') : tf.tensor(l.data, [...l.shape], l.dtype);
      uploaded.push(t);
      return t;
    });
    try {
      const outs = executePlan(cached.plan, values, cached.constants, backend, this.#opts);
      const wrapped = outs.map((v) => new DeviceArray(v as tf.Tensor, backend));
      return unflatten(cached.outDef, wrapped) as Materialized<R>;
    } finally {
      uploaded.forEach((t) => t.dispose());
    }
  }

  /** Frees the constants uploaded for every cached plan. */
  dispose(): void {
    for (const c of this.#cache.values()) c.constants.forEach((v) => { if (!isKey(v)) (v as tf.Tensor).dispose(); });
    this.#cache.clear();
  }
}

/** compile(fn): fn takes trees of graph values and returns a tree of graph values. */
export const compile = <A extends unknown[], R>(fn: (...args: A) => R, opts: CompileOptions = {}): Compiled<R> =>
  new Compiled(fn as unknown as (...args: never[]) => R, opts);

/** Releases every device array in a tree (for training loops at the edge). */
export const release = (tree: unknown): void => {
  const { leaves } = flatten(tree as Tree<unknown>, (x): x is unknown => isDeviceArray(x) || isKey(x) || isHostArray(x) || typeof x === 'number');
  for (const l of leaves) if (isDeviceArray(l)) l.release();
};

/** Reads every device array in a tree back to the host. */
export const toHost = async <T>(tree: T): Promise<Tree<HostArray>> => {
  const { leaves, def } = flatten(tree as Tree<DeviceArray>, isDeviceArray, 'device array');
  return unflatten<HostArray>(def, await Promise.all(leaves.map((l) => l.host())));
};

export { GraphError };

/** Compiles fn, runs it once on these arguments and reads the results back (for scripts and tests). */
export const runOnce = async <A extends unknown[], R>(fn: (...args: A) => R, args: readonly unknown[], opts: CompileOptions = {}): Promise<Tree<HostArray>> => {
  const c = compile(fn, opts);
  try {
    const out = await c.run(...args);
    const host = await toHost(out);
    release(out);
    return host;
  } finally {
    c.dispose();
  }
};
