/**
 * The messages between a data-parallel coordinator and its replicas. They are plain data
 * (structured-clonable), so the same protocol runs over Node worker threads or browser Web Workers.
 */
import type { BackendName } from '../../compile/backend.ts';
import type { HostArray } from '../../ir/host-array.ts';
import type { Shard } from '../../random/key.ts';
import type { Tree } from '../../tree/tree.ts';

/** A training state as host arrays by part (params, opt, ema, ...): what a checkpoint holds. */
export type HostState = Readonly<Record<string, Tree<HostArray>>>;

/**
 * Shared memory for the gradient exchange, where the platform has it: replica k writes its packed
 * gradients into slot k (`slots` holds `count` vectors of `floats`), then each replica averages its
 * part of the elements into `mean`, which every replica's update reads. Nothing is copied through
 * the coordinator.
 */
export interface Exchange {
  readonly floats: number;
  readonly slots: SharedArrayBuffer;
  readonly mean: SharedArrayBuffer;
}

/** What a replica builds its trainer from: a kind its registry knows, plus that kind's settings. */
export interface Recipe {
  readonly kind: string;
  readonly backend: BackendName;
}

export type ReplicaRequest =
  /** Builds the trainer and takes the initial state (every replica gets the same). */
  | { readonly type: 'init'; readonly recipe: Recipe; readonly state: HostState; readonly shard: Shard; readonly exchange?: Exchange }
  /**
   * The shard's gradients, packed into one vector (into its exchange slot, else in the reply), and
   * its metrics; the state is unchanged.
   */
  | { readonly type: 'gradients'; readonly inputs: unknown }
  /** With an exchange, once every replica's gradients are in: this replica's part of their mean. */
  | { readonly type: 'reduce' }
  /** The update with the averaged gradients: these (packed as `gradients` packs them), else the exchange's mean. */
  | { readonly type: 'apply'; readonly grads?: Float32Array }
  /** A checksum of the whole state. */
  | { readonly type: 'checksum' }
  /** The state as host arrays. */
  | { readonly type: 'state' }
  /** Test hook: moves one parameter slightly, so the identity check has something to catch. */
  | { readonly type: 'perturb' };

export interface GradientsReply {
  /** Absent with an exchange (the gradients are in the replica's slot). */
  readonly grads?: Float32Array;
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
  /** Whether requests can carry SharedArrayBuffers that the replica then shares (worker threads can). */
  readonly sharesMemory?: boolean;
  /** Resolves with the reply's value, or rejects with a ReplicaError. Requests to one port run in order. */
  request(request: ReplicaRequest, transfer?: ArrayBuffer[]): Promise<unknown>;
  /** Ends the replica; pending requests reject. Safe to call twice. */
  close(): Promise<void>;
}
