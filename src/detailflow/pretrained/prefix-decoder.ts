/**
 * Decoding token prefixes into images: the first t tokens at the decoder's side dec(t). One
 * compiled plan per prefix length, the parameters put on the device once.
 */
import { compile, type CompileOptions, type Compiled } from '../../compile/compile.ts';
import { devicePut, type OnDevice } from '../../compile/device-put.ts';
import type { HostArray } from '../../ir/host-array.ts';
import type { FloatImage } from '../../io/image-grid.ts';
import type { Node } from '../../ir/node.ts';
import type { Params } from '../../nn/module.ts';
import { sliceAxis } from '../../ops/index.ts';
import type { TokenizerModel } from './model-files.ts';
import type { TokenizerParams } from '../tokenizer/model.ts';

export interface PrefixDecoder {
  /** Images of the first t tokens of every row of `indices` (int32 [B, >= t]), each dec(t) pixels wide. */
  decode(t: number, indices: HostArray): Promise<FloatImage[]>;
}

export const prefixDecoder = ({ tk, params }: TokenizerModel, opts: CompileOptions = {}): PrefixDecoder => {
  const plans = new Map<number, Compiled<Node>>();
  let device: Promise<OnDevice<TokenizerParams>> | undefined;
  const channels = tk.config.channels;
  return {
    decode: async (t, indices) => {
      const [B, n] = indices.shape as [number, number];
      if (indices.shape.length !== 2 || t < 1 || t > n) throw new RangeError(`decode: need int32 [B, >= ${t}] indices, got [${indices.shape.join(', ')}]`);
      device ??= devicePut(params, opts);
      let plan = plans.get(t);
      if (!plan) {
        plan = compile((p: Params<TokenizerParams>, x: Node) => tk.decodeIndices(p, sliceAxis(x, 1, 0, t)), { ...opts, name: `decode-t${t}` });
        plans.set(t, plan);
      }
      const host = await plan.host(await device, indices);
      const side = tk.decoderSide(t);
      const size = channels * side * side;
      const data = host.data as Float32Array;
      return Array.from({ length: B }, (_, i) => ({ width: side, height: side, channels: channels === 3 ? 3 : 1, data: data.subarray(i * size, (i + 1) * size) }));
    },
  };
};
