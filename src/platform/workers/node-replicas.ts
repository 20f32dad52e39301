/**
 * Data-parallel replicas as Node worker threads (the Node edge of src/train/data-parallel).
 * Each worker loads its own copy of the library and its own tfjs backend, so on wasm every
 * worker computes on its own core. A worker that dies rejects its pending requests with a
 * ReplicaError; a worker keeps the process alive only while a request to it is pending.
 */
import { Worker } from 'node:worker_threads';
import { ReplicaError, type Envelope, type ReplicaPort, type ReplicaRequest, type ReplyEnvelope } from '../../train/data-parallel/protocol.ts';

const ENTRY = new URL('./replica-worker.mjs', import.meta.url);

interface Pending { resolve(v: unknown): void; reject(e: Error): void }

const nodeReplica = (index: number, count: number): ReplicaPort => {
  // no inherited --import/--test flags: the entry registers tsx itself, and the parent's preloads
  // (a test runner's setup, say) are not the worker's business
  const worker = new Worker(ENTRY, { name: `detailflow-replica-${index + 1}`, execArgv: [] });
  worker.unref();
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let ended: ReplicaError | undefined;
  const fail = (e: ReplicaError): void => {
    ended ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker.unref();
  };
  worker.on('message', (r: ReplyEnvelope) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (pending.size === 0) worker.unref();
    if (r.ok) p.resolve(r.value);
    else p.reject(new ReplicaError(index, count, r.error.message, r.error.stack));
  });
  worker.on('error', (e) => fail(new ReplicaError(index, count, `the worker thread failed: ${e.message}`, e.stack)));
  worker.on('messageerror', (e) => fail(new ReplicaError(index, count, `a message could not be read: ${e.message}`)));
  worker.on('exit', (code) => fail(new ReplicaError(index, count, `the worker thread exited (code ${code})`)));
  return {
    sharesMemory: true,
    request: (request: ReplicaRequest, transfer: ArrayBuffer[] = []) => {
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, request } satisfies Envelope, transfer);
      });
    },
    close: async () => {
      fail(new ReplicaError(index, count, 'the worker was closed'));
      await worker.terminate();
    },
  };
};

/** Starts `count` worker threads; pass them to DataParallel.start. */
export const startNodeReplicas = (count: number): ReplicaPort[] =>
  Array.from({ length: count }, (_, i) => nodeReplica(i, count));
