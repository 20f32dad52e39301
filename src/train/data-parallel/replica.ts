/**
 * The replica side of data-parallel training, platform-neutral: it answers the protocol's
 * requests with a trainer split in two (gradients of a shard, then the update). The edge that
 * runs it (a Node worker thread, a Web Worker) only moves the messages.
 */
import { isDeviceArray, type DeviceArray } from '../../compile/device-array.ts';
import { hostArray, isHostArray, type HostArray } from '../../ir/host-array.ts';
import { sizeOf, type Shape } from '../../ir/shape.ts';
import { flatten, unflatten, type Tree, type TreeDef } from '../../tree/tree.ts';
import type { Shard } from '../../random/key.ts';
import type { Metrics, TrainState } from '../trainer.ts';
import type { ApplyReply, Exchange, GradientsReply, HostState, Recipe, ReplicaRequest } from './protocol.ts';
import { checksum, meanInto, packInto, packLeaves, partOf, ShardError, unpackLeaves } from './shards.ts';

/** A trainer split in two, so the gradients of every shard can be averaged before the update (train/trainer.ts). */
export type SplitTrainer<I = unknown> = {
  readonly gradients: (state: TrainState, inputs: I) => Promise<{ grads: object; metrics: Metrics }>;
  readonly apply: (state: TrainState, grads: object) => Promise<{ state: TrainState; metrics: Metrics }>;
};

export type BuildTrainer = (recipe: Recipe) => Promise<SplitTrainer> | SplitTrainer;

const isArray = (x: unknown): x is DeviceArray | HostArray => isDeviceArray(x) || isHostArray(x);

const leavesOf = (t: object) => flatten(t as Tree<DeviceArray | HostArray>, isArray, 'array');

const toHostState = async (s: TrainState): Promise<HostState> => Object.fromEntries(await Promise.all(
  Object.keys(s).sort().map(async (k) => {
    const { leaves, def } = leavesOf(s[k]);
    return [k, unflatten(def, await Promise.all(leaves.map((l) => (isDeviceArray(l) ? l.host() : l))))] as const;
  }),
));

interface Layout { readonly def: TreeDef; readonly shapes: Shape[]; readonly floats: number }

/** This replica's views of the shared exchange: every slot, its own, the mean and its part of it. */
interface SharedViews { readonly slots: Float32Array[]; readonly own: Float32Array; readonly mean: Float32Array; readonly part: { from: number; to: number } }

const sharedViews = (x: Exchange, shard: Shard, floats: number): SharedViews => {
  const bytes = floats * Float32Array.BYTES_PER_ELEMENT;
  if (x.floats !== floats || x.slots.byteLength !== shard.count * bytes || x.mean.byteLength !== bytes) {
    throw new ShardError(`the gradient exchange (${x.slots.byteLength} + ${x.mean.byteLength} bytes for ${x.floats} floats) `
      + `does not fit ${shard.count} replicas of ${floats} parameters`);
  }
  const slots = Array.from({ length: shard.count }, (_, k) => new Float32Array(x.slots, k * bytes, floats));
  return { slots, own: slots[shard.index], mean: new Float32Array(x.mean), part: partOf(floats, shard.index, shard.count) };
};

/** Answers one request at a time; `dispose` frees the trainer and the state. */
export const replicaServer = (build: BuildTrainer) => {
  let trainer: SplitTrainer | undefined;
  let state: TrainState | undefined;
  let layout: Layout | undefined;
  let shared: SharedViews | undefined;
  const ready = () => {
    if (!trainer || !state || !layout) throw new ShardError('this replica has not been initialised (send init first)');
    return { trainer, state, layout };
  };
  const handle = async (req: ReplicaRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> => {
    switch (req.type) {
      case 'init': {
        dispose();
        if (!req.state.params) throw new ShardError(`the initial state has no params (parts: ${Object.keys(req.state).join(', ')})`);
        trainer = await build(req.recipe);
        state = req.state;
        const { leaves, def } = leavesOf(req.state.params);
        layout = { def, shapes: leaves.map((l) => [...l.shape]), floats: leaves.reduce((s, l) => s + sizeOf(l.shape), 0) };
        shared = req.exchange ? sharedViews(req.exchange, req.shard, layout.floats) : undefined;
        return { value: null, transfer: [] };
      }
      case 'gradients': {
        const r = ready();
        const out = await r.trainer.gradients(r.state, req.inputs);
        const host = flatten(out.grads as Tree<HostArray>, isHostArray, 'host array').leaves;
        if (host.length !== r.layout.shapes.length) throw new ShardError(`${host.length} gradients for ${r.layout.shapes.length} parameters`);
        if (shared) {
          packInto(host, shared.own);
          return { value: { metrics: out.metrics } satisfies GradientsReply, transfer: [] };
        }
        const grads = packLeaves(host);
        const value: GradientsReply = { grads, metrics: out.metrics };
        return { value, transfer: [grads.buffer as ArrayBuffer] };
      }
      case 'reduce': {
        if (!shared) throw new ShardError('reduce needs the shared gradient exchange (send it with init)');
        meanInto(shared.slots, shared.mean, shared.part.from, shared.part.to);
        return { value: null, transfer: [] };
      }
      case 'apply': {
        const r = ready();
        const packed = req.grads ?? shared?.mean;
        if (!packed) throw new ShardError('apply needs the averaged gradients, or the shared exchange to read them from');
        // the update uploads the gradients (views of `packed`) before it returns
        const grads = unflatten(r.layout.def, unpackLeaves(packed, r.layout.shapes));
        const out = await r.trainer.apply(r.state, grads);
        state = out.state;
        const value: ApplyReply = { metrics: out.metrics };
        return { value, transfer: [] };
      }
      case 'checksum': {
        const host = await toHostState(ready().state);
        return { value: checksum(Object.keys(host).sort().flatMap((k) => flatten(host[k], isHostArray, 'array').leaves)), transfer: [] };
      }
      case 'state':
        return { value: await toHostState(ready().state), transfer: [] };
      case 'perturb': {
        const r = ready();
        const { leaves, def } = leavesOf(r.state.params);
        const host = await Promise.all(leaves.map((l) => (isDeviceArray(l) ? l.host() : l)));
        const first = Float32Array.from(host[0].data as Float32Array);
        first[0] += 1e-3;
        state = { ...r.state, params: unflatten(def, [hostArray(first, host[0].shape), ...host.slice(1)]) };
        return { value: null, transfer: [] };
      }
    }
  };
  // the state's device arrays go with it: the executor frees them once nothing holds them
  const dispose = (): void => {
    trainer = undefined;
    state = undefined;
    shared = undefined;
  };
  return { handle, dispose };
};
