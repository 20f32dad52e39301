import type { HostArray } from '../../ir/host-array.ts';
import type { OnnxBackendName } from '../../primitives/attrs.ts';
import type { DeviceBuffer } from '../device-array.ts';

/**
 * ONNX Runtime as the compiler sees it, whatever binding provides it. compile/ stays
 * platform-neutral: the Node binding (onnxruntime-node) lives in platform/onnx-node.ts and
 * registers itself here (`installOnnxRuntime()` from detailflow/node), the way Dawn is installed
 * for WebGPU. No onnxruntime type crosses this interface.
 */
export interface OnnxEngine {
  /** e.g. "onnxruntime-node 1.31.1". */
  readonly name: string;
  /** Creates one session for one model (one input signature of one compiled function) on one execution provider. */
  createSession(model: Uint8Array, provider: OnnxProvider): Promise<OnnxSession>;
  /** Why the provider cannot run here (e.g. no WebGPU adapter), or undefined when it can; checked once per provider. */
  probe(provider: OnnxProvider): Promise<string | undefined>;
  /** Puts a host array into the engine's memory. */
  upload(h: HostArray): DeviceBuffer;
  /** Whether this buffer was made by this engine (uploads and session outputs). */
  owns(b: DeviceBuffer): boolean;
  /** Buffers made and not yet freed (the memory laws count them, as tf.memory() counts tfjs tensors). */
  liveBuffers(): number;
}

export interface OnnxSession {
  /** Runs the model; feeds are buffers this engine owns, by graph input name; outputs come in `outputs` order. */
  run(feeds: Readonly<Record<string, DeviceBuffer>>, outputs: readonly string[]): Promise<DeviceBuffer[]>;
  release(): Promise<void>;
}

/**
 * ONNX Runtime's execution provider behind a backend: its CPU engine (MLAS) or its WebGPU EP.
 * Buffers stay in host memory for both, so an array made for one serves the other; on WebGPU
 * ONNX Runtime copies the inputs to the device and the outputs back once per run.
 */
export type OnnxProvider = 'cpu' | 'webgpu';

export const providerOf = (backend: OnnxBackendName): OnnxProvider => (backend === 'onnx-webgpu' ? 'webgpu' : 'cpu');

let engine: OnnxEngine | undefined;

/** Called by a platform edge (platform/onnx-node.ts) once its binding has loaded. */
export const registerOnnxEngine = (e: OnnxEngine): void => {
  engine = e;
};

export const onnxEngine = (): OnnxEngine | undefined => engine;
