import * as tf from '@tensorflow/tfjs-core';
import { heapOutput, heapView } from './wasm-heap.ts';

/**
 * Transposes on the wasm backend that swap two blocks of axes, [B, R, C, D] -> [B, C, R, D]
 * (every matrix transpose, and the head split/merge [b, t, h, d] <-> [b, h, t, d]), copied in
 * cache-sized tiles in place on the heap: about 2x tfjs-wasm's Transpose here. Other
 * permutations go to tfjs unchanged.
 */
const TILE = 32;

/** [B, R, C, D] sizes when perm keeps leading and trailing axes and swaps the two middle blocks. */
export const blockSwap = (shape: readonly number[], perm: readonly number[]): [number, number, number, number] | undefined => {
  const r = perm.length;
  let q = 0;
  while (q < r && perm[q] === q) q++;
  let t = r;
  while (t > q && perm[t - 1] === t - 1) t--;
  if (q === t) return undefined;
  // middle: [q+p .. t) then [q .. q+p)
  const p = perm[q] - q;
  const mid = perm.slice(q, t);
  const want = [...Array.from({ length: t - q - p }, (_, i) => q + p + i), ...Array.from({ length: p }, (_, i) => q + i)];
  if (p <= 0 || mid.some((v, i) => v !== want[i])) return undefined;
  const prod = (a: number, b: number) => shape.slice(a, b).reduce((x, y) => x * y, 1);
  return [prod(0, q), prod(q, q + p), prod(q + p, t), prod(t, r)];
};

export const transposeWasm = (x: tf.Tensor, perm: readonly number[]): tf.Tensor => {
  const dims = x.dtype === 'float32' && x.size > 0 ? blockSwap(x.shape, perm) : undefined;
  if (!dims) return tf.transpose(x, [...perm]);
  const out = heapOutput(perm.map((p) => x.shape[p]));
  const src = out && heapView(x);
  if (!out || !src) { out?.tensor().dispose(); return tf.transpose(x, [...perm]); }
  const [B, R, C, D] = dims;
  const dst = out.view;
  for (let b = 0; b < B; b++) {
    const base = b * R * C * D;
    for (let r0 = 0; r0 < R; r0 += TILE) {
      const r1 = Math.min(R, r0 + TILE);
      for (let c0 = 0; c0 < C; c0 += TILE) {
        const c1 = Math.min(C, c0 + TILE);
        if (D === 1) {
          for (let r = r0; r < r1; r++) for (let c = c0, i = base + r * C + c0; c < c1; c++, i++) dst[base + c * R + r] = src[i];
        } else {
          for (let r = r0; r < r1; r++) {
            for (let c = c0; c < c1; c++) {
              const i = base + (r * C + c) * D;
              dst.set(src.subarray(i, i + D), base + (c * R + r) * D);
            }
          }
        }
      }
    }
  }
  return out.tensor();
};
