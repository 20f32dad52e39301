import { compile, release, toHost } from '../compile/compile.ts';
import { backendAvailable, isOnnxBackend, type BackendName } from '../compile/backend.ts';
import { hostArray, type HostArray } from '../ir/host-array.ts';
import type { Node } from '../ir/node.ts';
import { mean, square } from '../ops/index.ts';
import { normalHost, keyFromSeed, foldIn } from '../random/key.ts';
import { transformerBlock } from '../nn/transformer-block.ts';
import type { Params } from '../nn/module.ts';
import { valueAndGrad } from '../transforms/grad.ts';
import { flatten, type Tree } from '../tree/tree.ts';
import { isHostArray } from '../ir/host-array.ts';

export interface BackendReport {
  readonly name: BackendName;
  readonly ok: boolean;
  readonly adapter?: string;
  /** The ONNX Runtime binding and its threads (onnx-cpu, onnx-webgpu). */
  readonly runtime?: string;
  /** Largest |difference| against the cpu backend over the block's output, loss and gradients. */
  readonly maxAbsDiff?: number;
  readonly ms?: number;
  readonly error?: string;
}

// A small pre-LN transformer block: enough to exercise matmul, softmax, norms, gelu and their VJPs.
const CONFIG = { width: 32, heads: 4, mlpWidth: 64, depth: 1 } as const;
const block = transformerBlock(CONFIG);
const SHAPE = [2, 8, CONFIG.width];

const forwardBackward = (p: Params<ReturnType<typeof block.init>>, x: Node) => {
  const [loss, grads] = valueAndGrad((q: typeof p) => mean(square(block.apply(q, x))))(p);
  return { out: block.apply(p, x), loss, grads };
};

const leavesOf = (t: unknown): HostArray[] => flatten(t as Tree<HostArray>, isHostArray, 'array').leaves;

const runOn = async (backend: BackendName): Promise<{ leaves: HostArray[]; ms: number }> => {
  const params = block.init(keyFromSeed(0));
  const x = hostArray(normalHost(foldIn(keyFromSeed(0), 99), SHAPE.reduce((a, b) => a * b)), SHAPE);
  const f = compile(forwardBackward, { backend });
  release(await f.run(params, x)); // warm-up: shader compilation and constant upload
  const t0 = performance.now();
  const out = await f.run(params, x);
  const host = await toHost(out);
  const ms = performance.now() - t0;
  release(out);
  f.dispose();
  return { leaves: leavesOf(host), ms };
};

const maxDiff = (a: HostArray[], b: HostArray[]): number =>
  a.reduce((m, x, i) => Array.from(x.data).reduce((mm, v, j) => Math.max(mm, Math.abs(v - b[i].data[j])), m), 0);

/**
 * Which backends initialise here, and whether one transformer block forward and backward
 * agrees with the cpu reference on each. `webgpuAdapter` comes from the platform edge.
 */
export const doctor = async (
  backends: readonly BackendName[], webgpu: { ok: boolean; adapter?: string; error?: string }, ort: { ok: boolean; runtime?: string; error?: string } = { ok: false, error: 'ONNX Runtime was not installed (installOnnxRuntime)' },
): Promise<BackendReport[]> => {
  const reference = await runOn('cpu');
  const reports: BackendReport[] = [];
  for (const name of backends) {
    if (name === 'webgpu' && !webgpu.ok) {
      reports.push({ name, ok: false, error: webgpu.error ?? 'WebGPU is not available' });
      continue;
    }
    if (isOnnxBackend(name) && !ort.ok) {
      reports.push({ name, ok: false, error: ort.error ?? 'ONNX Runtime is not available' });
      continue;
    }
    const avail = await backendAvailable(name);
    if (!avail.ok) {
      reports.push({ name, ok: false, error: avail.error });
      continue;
    }
    try {
      const r = name === 'cpu' ? reference : await runOn(name);
      reports.push({ name, ok: true, ...(name === 'webgpu' ? { adapter: webgpu.adapter } : {}), ...(isOnnxBackend(name) ? { runtime: name === 'onnx-webgpu' ? `${ort.runtime}, WebGPU execution provider` : ort.runtime } : {}), maxAbsDiff: maxDiff(r.leaves, reference.leaves), ms: r.ms });
    } catch (e) {
      reports.push({ name, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return reports;
};
