/**
 * Inside a data-parallel worker thread (Node edge): answers the coordinator's requests with the
 * platform-neutral replica server, one at a time, on this thread's own tfjs backend. A request
 * that throws is answered with the error, so the coordinator reports it instead of waiting.
 */
import { parentPort } from 'node:worker_threads';
import { installNodeWebGPU } from '../node-webgpu.ts';
import { buildReplicaTrainer } from '../../detailflow/replica-trainers.ts';
import { replicaServer } from '../../train/data-parallel/replica.ts';
import type { Envelope, ReplyEnvelope } from '../../train/data-parallel/protocol.ts';

const port = parentPort;
if (!port) throw new Error('replica-entry.ts runs inside a worker thread (see node-replicas.ts)');

const server = replicaServer(async (recipe) => {
  if (recipe.backend === 'webgpu') {
    const gpu = await installNodeWebGPU();
    if (!gpu.ok) throw new Error(`--backend webgpu: ${gpu.error}`);
  }
  return buildReplicaTrainer(recipe);
});

let queue: Promise<void> = Promise.resolve();
port.on('message', (env: Envelope) => {
  queue = queue.then(async () => {
    try {
      const { value, transfer } = await server.handle(env.request);
      port.postMessage({ id: env.id, ok: true, value } satisfies ReplyEnvelope, transfer);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ id: env.id, ok: false, error: { name: err.name, message: err.message, stack: err.stack } } satisfies ReplyEnvelope);
    }
  });
});
