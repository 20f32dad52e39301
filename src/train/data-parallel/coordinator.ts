/**
 * The coordinating side of data-parallel training, platform-neutral. Each step every replica
 * computes the gradients of its shard; their mean (summed in replica order, so every replica
 * gets the same bytes) reaches all of them, and each applies the same update to its own copy of
 * the state. Where the ports share memory the gradients never pass through this thread: each
 * replica writes its slot of a shared buffer and averages its part of the elements (see
 * Exchange); otherwise they are posted here, averaged and posted back. The copies therefore stay
 * bit-identical, which is checked: the update's metrics every step, a checksum of the whole state
 * every `checkEvery` steps and before the state is read (checkpoints).
 */
import { isHostArray } from '../../ir/host-array.ts';
import { flatten } from '../../tree/tree.ts';
import type { ApplyReply, Exchange, GradientsReply, HostState, Recipe, ReplicaPort } from './protocol.ts';
import { meanOf } from './shards.ts';

export class ReplicaDivergenceError extends Error {
  constructor(message: string) { super(message); this.name = 'ReplicaDivergenceError'; }
}

export interface DataParallelOptions {
  /** Compare state checksums every this many steps (default 25); also before every `state()`. */
  readonly checkEvery?: number;
}

/** Shared memory for the gradients of every replica and their mean, where every port can share it. */
const exchangeFor = (ports: readonly ReplicaPort[], state: HostState): Exchange | undefined => {
  if (typeof SharedArrayBuffer !== 'function' || !ports.every((p) => p.sharesMemory)) return undefined;
  const floats = flatten(state.params ?? {}, isHostArray, 'array').leaves.reduce((s, l) => s + l.data.length, 0);
  const bytes = floats * Float32Array.BYTES_PER_ELEMENT;
  return { floats, slots: new SharedArrayBuffer(ports.length * bytes), mean: new SharedArrayBuffer(bytes) };
};

const sameMetrics = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => Object.is(a[k], b[k]));

/** Shard metrics are means over equal shards, so their mean is the whole batch's. */
const meanMetrics = (ms: readonly Readonly<Record<string, number>>[]): Record<string, number> =>
  Object.fromEntries(Object.keys(ms[0]).map((k) => [k, ms.reduce((s, m) => s + m[k], 0) / ms.length]));

export class DataParallel<I> {
  readonly #ports: readonly ReplicaPort[];
  readonly #checkEvery: number;
  #shared = false;
  #steps = 0;
  #closed = false;

  private constructor(ports: readonly ReplicaPort[], checkEvery: number) {
    this.#ports = ports;
    this.#checkEvery = checkEvery;
  }

  /** Initialises every replica with the recipe and the same state; closes them all if one fails. */
  static async start<I>(ports: readonly ReplicaPort[], recipe: Recipe, state: HostState, opts: DataParallelOptions = {}): Promise<DataParallel<I>> {
    const dp = new DataParallel<I>(ports, opts.checkEvery ?? 25);
    try {
      const exchange = exchangeFor(ports, state);
      await Promise.all(ports.map((p, index) => p.request({ type: 'init', recipe, state, shard: { index, count: ports.length }, ...(exchange ? { exchange } : {}) })));
      dp.#shared = exchange !== undefined;
    } catch (e) {
      await dp.close();
      throw e;
    }
    return dp;
  }

  get replicas(): number { return this.#ports.length; }

  /** One step: inputs[k] is replica k's shard. Returns the step's metrics, keys sorted. */
  async step(inputs: readonly I[]): Promise<Record<string, number>> {
    if (inputs.length !== this.#ports.length) throw new RangeError(`${inputs.length} shards for ${this.#ports.length} replicas`);
    const shards = await Promise.all(this.#ports.map((p, k) => p.request({ type: 'gradients', inputs: inputs[k] }))) as GradientsReply[];
    const applied = await (this.#shared ? this.#applyShared() : this.#applyCopied(shards.map((s) => s.grads!))) as ApplyReply[];
    this.#steps++;
    const differ = applied.findIndex((a) => !sameMetrics(a.metrics, applied[0].metrics));
    if (differ > 0) {
      throw new ReplicaDivergenceError(`after step ${this.#steps} of this run, worker ${differ + 1} reports update metrics `
        + `${JSON.stringify(applied[differ].metrics)} but worker 1 reports ${JSON.stringify(applied[0].metrics)}; the replicas no longer hold the same parameters`);
    }
    if (this.#steps % this.#checkEvery === 0) await this.verify();
    const merged = { ...meanMetrics(shards.map((s) => s.metrics)), ...applied[0].metrics };
    return Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
  }

  /** Every replica's gradients are in its slot: the replicas average a part each, then all update from the mean. */
  async #applyShared(): Promise<unknown[]> {
    await Promise.all(this.#ports.map((p) => p.request({ type: 'reduce' })));
    return Promise.all(this.#ports.map((p) => p.request({ type: 'apply' })));
  }

  /** Without shared memory: the mean here, posted to every replica (a copy each but the last, which takes the buffer). */
  #applyCopied(vs: Float32Array[]): Promise<unknown[]> {
    const grads = meanOf(vs);
    const last = this.#ports.length - 1;
    return Promise.all(this.#ports.map((p, k) => p.request({ type: 'apply', grads }, k === last ? [grads.buffer as ArrayBuffer] : [])));
  }

  /** Throws a ReplicaDivergenceError unless every replica's state has the same checksum. */
  async verify(): Promise<void> {
    const sums = await Promise.all(this.#ports.map((p) => p.request({ type: 'checksum' }))) as string[];
    const differ = sums.findIndex((s) => s !== sums[0]);
    if (differ > 0) {
      throw new ReplicaDivergenceError(`after step ${this.#steps} of this run the replicas' states differ (checksum of worker 1 ${sums[0]}, `
        + `of worker ${differ + 1} ${sums[differ]}); data-parallel training requires identical parameters on every worker`);
    }
  }

  /** The (verified) state as host arrays, from the first replica. */
  async state(): Promise<HostState> {
    await this.verify();
    return await this.#ports[0].request({ type: 'state' }) as HostState;
  }

  /** Test hook: perturbs replica k's parameters (the next verify must fail). */
  async perturb(replica: number): Promise<void> {
    await this.#ports[replica].request({ type: 'perturb' });
  }

  /** Ends every replica; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#ports.map((p) => p.close()));
  }
}
