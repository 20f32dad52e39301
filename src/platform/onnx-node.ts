/**
 * Node-only edge module: ONNX Runtime's Node binding (the optional dependency onnxruntime-node,
 * which ships its native CPU library inside the npm package) as the engine of the `onnx-cpu`
 * backend. compile/ builds the ONNX models and never imports the binding; entry points (CLI,
 * tests, examples) call installOnnxRuntime() once, which registers it there.
 */
import { availableParallelism } from 'node:os';
import pkg from 'onnx-proto';
import type { DType, HostData } from '../ir/dtype.ts';
import type { HostArray } from '../ir/host-array.ts';
import type { DeviceBuffer } from '../compile/device-array.ts';
import { onnxEngine, registerOnnxEngine, type OnnxEngine, type OnnxProvider, type OnnxSession } from '../compile/onnx/engine.ts';

export interface OnnxInstall {
  readonly ok: boolean;
  /** e.g. "onnxruntime-node 1.31.1, 2 threads". */
  readonly runtime?: string;
  readonly error?: string;
}

export interface OnnxRuntimeOptions {
  /** Threads of the one intra-op pool each session uses; default: every core (os.availableParallelism()). */
  readonly threads?: number;
}

type Ort = typeof import('onnxruntime-node');
// onnx-proto is CommonJS (protobufjs static code): its namespace comes through the default export
const { onnx } = pkg;
type OrtTensor = InstanceType<Ort['Tensor']>;

let pending: Promise<OnnxInstall> | undefined;

/** Loads onnxruntime-node and registers it for the onnx-cpu backend. Idempotent (the first call's options hold); never throws. */
export function installOnnxRuntime(opts: OnnxRuntimeOptions = {}): Promise<OnnxInstall> {
  pending ??= install(opts);
  return pending;
}

async function install(opts: OnnxRuntimeOptions): Promise<OnnxInstall> {
  try {
    // ONNX Runtime's telemetry SDK otherwise writes a session file (.ses) into the temp directory on
    // the first session; the library sends nothing anywhere. A value the user set is kept.
    process.env['ORT_DISABLE_TELEMETRY'] ??= '1';
    const ort = (await import('onnxruntime-node')) as Ort;
    const threads = opts.threads ?? availableParallelism();
    registerOnnxEngine(ortEngine(ort, threads));
    return { ok: true, runtime: `${onnxEngine()?.name}, ${threads} thread${threads === 1 ? '' : 's'}` };
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return {
      ok: false,
      error: `ONNX Runtime is unavailable here (${why}). onnxruntime-node is an optional dependency with native binaries for Linux, macOS and Windows on x64 and arm64; `
        + 'install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`, or use --backend wasm',
    };
  }
}

const ortTypes = { float32: 'float32', int32: 'int32', bool: 'bool' } as const;

/** A one-node model (Identity, float32 [1]): enough to make ONNX Runtime create its WebGPU device. */
const identityModel = (): Uint8Array => {
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } });
  return onnx.ModelProto.encode({
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'probe', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }], input: [vi('x')], output: [vi('y')] },
  }).finish();
};

/** Whether ONNX Runtime's WebGPU EP runs here: its binary has it (Linux x64, Windows, macOS) and Dawn finds an adapter. */
const probeWebGPU = async (ort: Ort): Promise<string | undefined> => {
  try {
    const s = await ort.InferenceSession.create(identityModel(), { executionProviders: ['webgpu'], logSeverityLevel: 4 });
    await s.release();
    return undefined;
  } catch (e) {
    return `ONNX Runtime's WebGPU execution provider is unavailable here (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
};

function ortEngine(ort: Ort, threads: number): OnnxEngine {
  // DETAILFLOW_ORT_PROFILE=prefix: ONNX Runtime profiles every node of every session and writes
  // prefix_<date>.json when the session is released or, for sessions still open, at process exit
  const profilePrefix = process.env['DETAILFLOW_ORT_PROFILE'];
  const profiled = new Set<Awaited<ReturnType<Ort['InferenceSession']['create']>>>();
  if (profilePrefix) process.once('exit', () => profiled.forEach((s) => s.endProfiling()));
  const probes = new Map<OnnxProvider, Promise<string | undefined>>();
  const tensors = new WeakMap<DeviceBuffer, OrtTensor>();
  let live = 0;
  const wrap = (t: OrtTensor): DeviceBuffer => {
    const dtype = t.type as Exclude<DType, 'key'>;
    if (!(dtype in ortTypes)) throw new Error(`ONNX Runtime returned a ${t.type} tensor; the graph's outputs are float32, int32 or bool`);
    let freed = false;
    live++;
    const b: DeviceBuffer = {
      shape: t.dims.map(Number),
      dtype,
      // a copy: the caller keeps it after the buffer is freed
      read: async () => {
        if (freed) throw new Error('this ONNX Runtime buffer was freed');
        const d = t.data as HostData;
        return dtype === 'bool' ? Uint8Array.from(d) : d.slice();
      },
      free: () => {
        if (freed) return;
        freed = true;
        live--;
        t.dispose();
      },
    };
    tensors.set(b, t);
    return b;
  };
  const tensorOf = (b: DeviceBuffer): OrtTensor => {
    const t = tensors.get(b);
    if (!t) throw new Error('this buffer was not made by ONNX Runtime');
    return t;
  };
  const version = (ort.env as { versions?: { node?: string; common?: string } }).versions;
  return {
    name: `onnxruntime-node ${version?.node ?? version?.common ?? ''}`.trim(),
    upload: (h: HostArray) => wrap(new ort.Tensor(ortTypes[h.dtype], h.data as never, [...h.shape])),
    owns: (b) => tensors.has(b),
    liveBuffers: () => live,
    probe: (provider) => {
      let p = probes.get(provider);
      if (!p) {
        p = provider === 'cpu' ? Promise.resolve(undefined) : probeWebGPU(ort);
        probes.set(provider, p);
      }
      return p;
    },
    createSession: async (model, provider): Promise<OnnxSession> => {
      const s = await ort.InferenceSession.create(model, {
        // nodes the WebGPU EP does not implement fall back to the CPU EP within the same session
        executionProviders: provider === 'webgpu' ? ['webgpu', 'cpu'] : ['cpu'],
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
        // the memory pattern is recorded on run 1 and allocated as one new block on run 2, so
        // run 2 page-faults in all its memory again (a tokenizer step: 2 s instead of 0.5 s); the
        // arena alone reuses run 1's memory, and later runs are as fast
        enableMemPattern: false,
        // DETAILFLOW_ORT_ARENA=0: no memory arena (each run allocates and frees its own memory), for
        // jobs that hold many sessions at once
        ...(process.env['DETAILFLOW_ORT_ARENA'] === '0' ? { enableCpuMemArena: false } : {}),
        // idle pool threads block instead of spinning: on these shared 2-core machines a spinning
        // thread takes the core the other one needs (tokenizer step at load 4.5: 290 -> 160 ms,
        // the bench core step 980-1440 -> 780-830 ms); DETAILFLOW_ORT_SPIN=1 spins, for an idle machine
        extra: { session: { intra_op: { allow_spinning: process.env['DETAILFLOW_ORT_SPIN'] === '1' ? '1' : '0' } } },
        // ONNX Runtime's own log would print a refused node to stderr from native code; the
        // thrown error carries the same message, which the compiler turns into one that names the primitive
        logSeverityLevel: 4,
        ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
      });
      if (profilePrefix) profiled.add(s);
      return {
        run: async (feeds, outputs) => {
          const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, b]) => [k, tensorOf(b)])), [...outputs]);
          return outputs.map((o) => wrap(r[o] as OrtTensor));
        },
        release: () => {
          profiled.delete(s);
          return s.release();
        },
      };
    },
  };
}
