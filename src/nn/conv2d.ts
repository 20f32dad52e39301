/**
 * 2D convolution (stride 1, 'same' zero padding, odd kernels) as a composite of existing
 * primitives, so every backend and the VJP come from pad/slice/matmul/add with no convolution
 * primitive of our own. It is im2col's single product split along its contraction axis:
 *   y = sum over (dy, dx) of window(dy, dx) [B*H*W, Cin] @ w[dy, dx] [Cin, Cout]
 * where a window is a shifted slice of the zero-padded input. Why not one product over the
 * concatenated windows: on tfjs-wasm every slice copies its whole input first, so the VJP of
 * a kh*kw-way concat (kh*kw slices of a kh*kw-times larger tensor) dominated a training step;
 * the split form measured ~2x faster there (32x32 images, 32-128 channels).
 *
 * The work happens channel-last (NHWC), each window product being matmul's fast path for a
 * rank-2 right operand. Networks that stack convolutions should stay in NHWC (transpose once
 * at the input) and use `layout: 'NHWC'`; the NCHW form transposes in and out at each call.
 */
import type { HostArray } from '../ir/host-array.ts';
import { GraphError } from '../ir/errors.ts';
import type { Node } from '../ir/node.ts';
import { add, matmul, pad, reshape, slice, transpose } from '../ops/index.ts';
import { split } from '../random/key.ts';
import { lecunNormal, zeros, type Initializer } from './init.ts';
import type { Layer } from './module.ts';

/** NCHW: [B, C, H, W] (the datasets' layout); NHWC: [B, H, W, C] (what the im2col works in). */
export type ImageLayout = 'NCHW' | 'NHWC';

export interface Conv2dConfig {
  readonly in: number;
  readonly out: number;
  /** Odd side of the square kernel (1, 3, 5, ...). */
  readonly kernel: number;
  /** Default true. */
  readonly bias?: boolean;
  /** Default 'NCHW' for input and output. */
  readonly layout?: ImageLayout;
  /** Weight initialiser; default LeCun normal (fan-in kh*kw*Cin). */
  readonly init?: Initializer;
  /** Bias initialiser; default zeros. */
  readonly biasInit?: Initializer;
}

/** w is [kh, kw, Cin, Cout] (HWIO, as JAX/TensorFlow), b is [Cout]. */
export interface Conv2dParams {
  readonly w: HostArray;
  readonly b?: HostArray;
}

const toNhwc = [0, 2, 3, 1];
const toNchw = [0, 3, 1, 2];

const checkShapes = (x: Node, w: Node, b: Node | undefined, layout: ImageLayout): void => {
  const fail = (why: string): never => {
    throw new GraphError('shape', 'conv2d', why, [x, w, ...(b ? [b] : [])].map((n) => ({ shape: n.shape, dtype: n.dtype })));
  };
  if (x.shape.length !== 4) fail(`input must be rank 4 (${layout}), got rank ${x.shape.length}`);
  if (w.shape.length !== 4) fail('weights must be [kh, kw, Cin, Cout]');
  const [kh, kw, cin, cout] = w.shape;
  if (kh % 2 !== 1 || kw % 2 !== 1) fail(`'same' padding needs odd kernel sides, got ${kh}x${kw}`);
  const c = layout === 'NCHW' ? x.shape[1] : x.shape[3];
  if (c !== cin) fail(`input has ${c} channels, weights expect ${cin}`);
  if (b && (b.shape.length !== 1 || b.shape[0] !== cout)) fail(`bias must be [${cout}]`);
};

/** Convolution of an NHWC input [B, H, W, Cin] with w [kh, kw, Cin, Cout] (+ b [Cout]) -> [B, H, W, Cout]. */
export const conv2dNhwc = (x: Node, w: Node, b?: Node): Node => {
  checkShapes(x, w, b, 'NHWC');
  const [kh, kw, cin, cout] = w.shape;
  const [bsz, h, wd] = x.shape;
  const [ph, pw] = [(kh - 1) / 2, (kw - 1) / 2];
  // W and C merged, so each window is a slice with runs of W*Cin values (tfjs-wasm copies run by run in JS)
  const padded = pad(reshape(x, [bsz, h, wd * cin]), [[0, 0], [ph, ph], [pw * cin, pw * cin]]);
  let y: Node | undefined;
  for (let dy = 0; dy < kh; dy++) {
    for (let dx = 0; dx < kw; dx++) {
      const win = reshape(slice(padded, [0, dy, dx * cin], [bsz, h, wd * cin]), [bsz * h * wd, cin]);
      const t = matmul(win, reshape(slice(w, [dy, dx, 0, 0], [1, 1, cin, cout]), [cin, cout]));
      y = y ? add(y, t) : t;
    }
  }
  const out = reshape(y!, [bsz, h, wd, cout]);
  return b ? add(out, b) : out;
};

/** conv2dFn(x, w, b?): x NCHW [B, Cin, H, W] (or NHWC with layout), w [kh, kw, Cin, Cout], b [Cout]. */
export const conv2dFn = (x: Node, w: Node, b?: Node, layout: ImageLayout = 'NCHW'): Node => {
  if (layout === 'NHWC') return conv2dNhwc(x, w, b);
  checkShapes(x, w, b, 'NCHW');
  return transpose(conv2dNhwc(transpose(x, toNhwc), w, b), toNchw);
};

export const conv2d = (cfg: Conv2dConfig): Layer<Conv2dParams> => {
  if (!Number.isInteger(cfg.kernel) || cfg.kernel < 1 || cfg.kernel % 2 !== 1) {
    throw new GraphError('attr', 'conv2d', `kernel must be an odd positive integer ('same' padding), got ${cfg.kernel}`);
  }
  const withBias = cfg.bias ?? true;
  const init = cfg.init ?? lecunNormal();
  const biasInit = cfg.biasInit ?? zeros;
  const layout = cfg.layout ?? 'NCHW';
  return {
    init: (key) => {
      const [kw, kb] = split(key, 2);
      const w = init(kw, [cfg.kernel, cfg.kernel, cfg.in, cfg.out]);
      return withBias ? { w, b: biasInit(kb, [cfg.out]) } : { w };
    },
    apply: (p, x) => conv2dFn(x, p.w, p.b, layout),
  };
};
