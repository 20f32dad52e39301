import type { HostArray } from '../../ir/host-array.ts';
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
  /** Creates one session for one model (one input signature of one compiled function). */
  createSession(model: Uint8Array): Promise<OnnxSession>;
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

let engine: OnnxEngine | undefined;

/** Called by a platform edge (platform/onnx-node.ts) once its binding has loaded. */
export const registerOnnxEngine = (e: OnnxEngine): void => {
  engine = e;
};

export const onnxEngine = (): OnnxEngine | undefined => engine;
