import { simdKernelsWasm } from './simd-kernels-wasm-bytes.ts';

/**
 * Our SIMD kernels (simd-kernels.wat), instantiated once. They compute in the module's own memory:
 * callers copy the operands in and the results out, so no kernel writes tfjs-wasm's heap or
 * touches its operator caches.
 */
export interface SimdKernels {
  readonly bmm: (a: number, b: number, c: number, batch: number, m: number, k: number, n4: number) => void;
  readonly colsum: (x: number, out: number, rows: number, cols4: number) => void;
  /** The module's memory as floats, grown to at least `bytes` (a view valid until the next call). */
  readonly floats: (bytes: number) => Float32Array;
}

const PAGE = 65536;
/** Beyond this the operands stay with tfjs rather than grow the module's memory further. */
export const MAX_KERNEL_BYTES = 1 << 30;

let kernels: SimdKernels | undefined;

const decode = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

export const simd = (): SimdKernels => {
  if (kernels) return kernels;
  // small enough for synchronous compilation on a browser's main thread too; TypeScript types the
  // exports as a record of any exported values, these are the ones simd-kernels.wat declares
  const e = new WebAssembly.Instance(new WebAssembly.Module(decode(simdKernelsWasm)), {}).exports as {
    memory: WebAssembly.Memory; bmm: SimdKernels['bmm']; colsum: SimdKernels['colsum'];
  };
  kernels = {
    bmm: e.bmm, colsum: e.colsum,
    floats: (bytes) => {
      const have = e.memory.buffer.byteLength;
      if (have < bytes) e.memory.grow(Math.ceil((bytes - have) / PAGE));
      return new Float32Array(e.memory.buffer);
    },
  };
  return kernels;
};

/** Copies rows of `cols` floats into rows of `stride` floats (the padding stays as it was). */
export const copyRows = (dst: Float32Array, at: number, src: Float32Array, rows: number, cols: number, stride: number): void => {
  if (cols === stride) { dst.set(src, at); return; }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols, (r + 1) * cols), at + r * stride);
};

export const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;
