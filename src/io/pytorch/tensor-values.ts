/**
 * A lazy tensor's bytes as a HostArray: floats of every width become float32 (bfloat16 and
 * float16 widen exactly, float64 rounds), integers become int32 when every value fits.
 */
import * as E from 'fp-ts/lib/Either.js';
import { hostArray, type HostArray } from '../../ir/host-array.ts';
import type { LazyTensor } from './checkpoint.ts';
import { bfloat16ToFloat, halfToFloat } from '../half.ts';

/** The tensor's values as float32 or int32 (`name` is for messages). */
export const hostValues = (t: LazyTensor, name: string): E.Either<string, HostArray> => {
  const b = t.bytes();
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = t.shape.reduce((a, d) => a * d, 1);
  const f = (get: (i: number) => number) => { const out = new Float32Array(n); for (let i = 0; i < n; i++) out[i] = get(i); return E.right(hostArray(out, t.shape)); };
  const ints = (get: (i: number) => number | bigint): E.Either<string, HostArray> => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const x = get(i);
      if (x < -2147483648 || x > 2147483647) return E.left(`${name}: value ${x} at ${i} does not fit in int32`);
      out[i] = Number(x);
    }
    return E.right(hostArray(out, t.shape));
  };
  switch (t.dtype) {
    case 'float32': return f((i) => v.getFloat32(4 * i, true));
    case 'float64': return f((i) => v.getFloat64(8 * i, true));
    case 'float16': return f((i) => halfToFloat(v.getUint16(2 * i, true)));
    case 'bfloat16': return f((i) => bfloat16ToFloat(v.getUint16(2 * i, true)));
    case 'int64': return ints((i) => v.getBigInt64(8 * i, true));
    case 'int32': return ints((i) => v.getInt32(4 * i, true));
    case 'int16': return ints((i) => v.getInt16(2 * i, true));
    case 'int8': return ints((i) => v.getInt8(i));
    case 'uint8': case 'bool': return ints((i) => v.getUint8(i));
  }
};
