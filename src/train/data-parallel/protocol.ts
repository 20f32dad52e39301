/**
 * The messages between a data-parallel coordinator and its replicas. They are plain data
 * (structured-clonable), so the same protocol runs over Node worker threads or browser Web Workers.
 */
import type { BackendName } from '../../compile/backend.ts';
import type { HostArray } from '../../compile/device-array.ts';
import type { Shard } from '../../random/key.ts';
import type { Tree } from '../../tree/tree.ts';

/** A training state as host arrays by part (params, opt, ema, ...): what a checkpoint holds. */
export type HostState = Readonly<Record<string, Tree<HostArray>>>;

/** What a replica builds its trainer from: a kind its registry knows, plus that kind's settings. */
export interface Recipe {
  readonly kind: string;
  readonly backend: BackendName;
}

export type ReplicaRequest =
  /** Builds the trainer and takes the initial state (every replica gets the same). */
  | { readonly type: 'init'; readonly recipe: Recipe; readonly state: HostState; readonly shard: Shard }
  /** The shard's gradients, packed into one vector, and its metrics; the state is unchanged. */
  | { readonly type: 'gradients'; readonly inputs: unknown }
  /** The update with the averaged gradients (packed as `gradients` packs them). */
  | { readonly type: 'apply'; readonly grads: Float32Array }
  /** A checksum of the whole state. */
  | { readonly type: 'checksum' }
  /** The state as host arrays. */
  | { readonly type: 'state' }
  /** Test hook: moves one parameter slightly, so the identity check has something to catch. */
  | { readonly type: 'perturb' };

export interface GradientsReply {
  readonly grads: Float32Array;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface ApplyReply {
  readonly metrics: Readonly<Record<string, number>>;
}

export interface Envelope {
  readonly id: number;
  readonly request: ReplicaRequest;
}

export type ReplyEnvelope =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string; readonly stack?: string } };

/** A replica failed: its request threw, or its worker died. */
export class ReplicaError extends Error {
  constructor(readonly replica: number, readonly count: number, message: string, readonly replicaStack?: string) {
    super(`worker ${replica + 1} of ${count}: ${message}`);
    this.name = 'ReplicaError';
  }
}

/** The coordinator's handle on one replica, whatever runs it. */
export interface ReplicaPort {
  /** Resolves with the reply's value, or rejects with a ReplicaError. Requests to one port run in order. */
  request(request: ReplicaRequest, transfer?: ArrayBuffer[]): Promise<unknown>;
  /** Ends the replica; pending requests reject. Safe to call twice. */
  close(): Promise<void>;
}
