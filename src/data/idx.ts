/**
 * The IDX format of MNIST-family datasets: bytes 0 0, a type code, the number of dimensions,
 * then each dimension as a big-endian u32, then the data, big-endian, row-major.
 * Type codes: 08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64.
 */
import * as E from 'fp-ts/lib/Either.js';
import { DataError } from './errors.ts';
import { isGzip, maybeGunzip } from '../io/streams.ts';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
export interface Idx {
  readonly dims: readonly number[];
  readonly data: IdxData;
}

interface IdxType { readonly size: number; readonly name: string; make(n: number): IdxData; read(v: DataView, at: number): number }
const types: Readonly<Record<number, IdxType>> = {
  0x08: { size: 1, name: 'u8', make: (n) => new Uint8Array(n), read: (v, at) => v.getUint8(at) },
  0x09: { size: 1, name: 'i8', make: (n) => new Int8Array(n), read: (v, at) => v.getInt8(at) },
  0x0b: { size: 2, name: 'i16', make: (n) => new Int16Array(n), read: (v, at) => v.getInt16(at) },
  0x0c: { size: 4, name: 'i32', make: (n) => new Int32Array(n), read: (v, at) => v.getInt32(at) },
  0x0d: { size: 4, name: 'f32', make: (n) => new Float32Array(n), read: (v, at) => v.getFloat32(at) },
  0x0e: { size: 8, name: 'f64', make: (n) => new Float64Array(n), read: (v, at) => v.getFloat64(at) },
};
const codeOf = (data: IdxData): number =>
  data instanceof Uint8Array ? 0x08 : data instanceof Int8Array ? 0x09 : data instanceof Int16Array ? 0x0b
    : data instanceof Int32Array ? 0x0c : data instanceof Float32Array ? 0x0d : 0x0e;

/** Parses uncompressed IDX bytes, checking the header against the length of the data. */
export const parseIdx = (bytes: Uint8Array): E.Either<DataError, Idx> => {
  const fail = (problem: string) => E.left(new DataError([problem]));
  if (isGzip(bytes)) return fail('the IDX data is still gzip-compressed (use decodeIdx, which gunzips)');
  if (bytes.length < 4) return fail(`an IDX file starts with a 4-byte header, but there are only ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) return fail(`it does not start with the IDX magic 00 00 (found ${bytes[0]} ${bytes[1]}): not an IDX file`);
  const type = types[bytes[2]!];
  if (!type) return fail(`unknown IDX type code 0x${bytes[2]!.toString(16).padStart(2, '0')} (known: 08, 09, 0B, 0C, 0D, 0E)`);
  const ndim = bytes[3]!;
  const start = 4 + 4 * ndim;
  if (bytes.length < start) return fail(`the header declares ${ndim} dimensions, but the file ends after ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const want = count * type.size;
  const have = bytes.length - start;
  if (want !== have) {
    return fail(`dimensions [${dims.join(', ')}] of ${type.name} need ${want} bytes of data, but the file has ${have}${have < want ? ': it is truncated' : ''}`);
  }
  if (type.size === 1 && type.name === 'u8') return E.right({ dims, data: bytes.slice(start) });
  const data = type.make(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, start + i * type.size);
  return E.right({ dims, data });
};

/** Parses IDX bytes, gunzipping them first when they are gzip data (magic 1f 8b). */
export const decodeIdx = async (bytes: Uint8Array): Promise<E.Either<DataError, Idx>> => {
  const raw = await maybeGunzip(bytes);
  return E.isLeft(raw) ? E.left(new DataError([`the gzip data does not decompress: ${raw.left}`])) : parseIdx(raw.right);
};

/** IDX bytes of an array (the type follows the array); the inverse of `parseIdx`. */
export const encodeIdx = (idx: Idx): Uint8Array => {
  const code = codeOf(idx.data);
  const size = types[code]!.size;
  const count = idx.dims.reduce((a, b) => a * b, 1);
  if (count !== idx.data.length) throw new RangeError(`encodeIdx: dimensions [${idx.dims.join(', ')}] hold ${count} values, data has ${idx.data.length}`);
  const start = 4 + 4 * idx.dims.length;
  const out = new Uint8Array(start + count * size);
  const view = new DataView(out.buffer);
  out.set([0, 0, code, idx.dims.length]);
  idx.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const write = [
    (at: number, v: number) => view.setUint8(at, v), (at: number, v: number) => view.setInt8(at, v),
    (at: number, v: number) => view.setInt16(at, v), (at: number, v: number) => view.setInt32(at, v),
    (at: number, v: number) => view.setFloat32(at, v), (at: number, v: number) => view.setFloat64(at, v),
  ][[0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e].indexOf(code)]!;
  for (let i = 0; i < count; i++) write(start + i * size, idx.data[i]!);
  return out;
};
