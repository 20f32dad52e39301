/**
 * Writing torch.save files (zip of `<root>/data.pkl` and one stored entry per storage), streamed
 * to a sink one tensor at a time so multi-gigabyte checkpoints never sit in memory whole. The
 * pickle is protocol 2 with the globals the reader accepts; offsets past 4 GiB use zip64 records.
 * The project writes full-size random checkpoints under the official names with it.
 */
import { crc32 } from '../crc32.ts';

export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int64';
  /** Produces the values when the writer reaches this tensor. */
  readonly values: () => Float32Array | BigInt64Array;
}

const enc = new TextEncoder();
const u16 = (n: number) => [n & 0xff, (n >>> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: number) => [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];

const pickle = (dicts: Readonly<Record<string, readonly TensorToWrite[]>>): { bytes: Uint8Array; storages: TensorToWrite[] } => {
  const p: number[] = [0x80, 0x02, 0x7d, 0x28];
  const str = (s: string) => { const b = enc.encode(s); p.push(0x58, ...u32(b.length), ...b); };
  const int = (n: number) => p.push(0x4a, ...u32(n >>> 0));
  const global = (m: string, n: string) => p.push(0x63, ...enc.encode(`${m}\n${n}\n`));
  const storages: TensorToWrite[] = [];
  for (const [key, tensors] of Object.entries(dicts)) {
    str(key);
    global('collections', 'OrderedDict'); p.push(0x29, 0x52, 0x28);
    for (const t of tensors) {
      str(t.name);
      global('torch._utils', '_rebuild_tensor_v2');
      p.push(0x28, 0x28);
      str('storage'); global('torch', t.dtype === 'float32' ? 'FloatStorage' : 'LongStorage'); str(String(storages.length)); str('cpu');
      int(t.shape.reduce((a, d) => a * d, 1));
      p.push(0x74, 0x51);
      int(0);
      p.push(0x28); t.shape.forEach(int); p.push(0x74);
      p.push(0x28); t.shape.forEach((_, i) => int(t.shape.slice(i + 1).reduce((a, d) => a * d, 1))); p.push(0x74);
      p.push(0x89);
      global('collections', 'OrderedDict'); p.push(0x29, 0x52);
      p.push(0x74, 0x52);
      storages.push(t);
    }
    p.push(0x75);
  }
  p.push(0x75, 0x2e);
  return { bytes: Uint8Array.from(p), storages };
};

/** Streams a torch.save archive of {key: OrderedDict(name -> tensor)} to `sink`; returns the bytes written. */
export const writeTorchSave = (dicts: Readonly<Record<string, readonly TensorToWrite[]>>, sink: (b: Uint8Array) => void, root = 'archive'): number => {
  let at = 0;
  const central: number[][] = [];
  const emit = (b: Uint8Array) => { sink(b); at += b.length; };
  const entry = (name: string, data: Uint8Array) => {
    const n = enc.encode(name);
    const crc = crc32(data);
    const offset = at;
    emit(Uint8Array.from([...u32(0x04034b50), ...u16(20), 0, 0, 0, 0, 0, 0, 0, 0, ...u32(crc), ...u32(data.length), ...u32(data.length), ...u16(n.length), 0, 0, ...n]));
    emit(data);
    const big = offset >= 0xffffffff;
    const extra = big ? [...u16(1), ...u16(8), ...u64(offset)] : [];
    central.push([...u32(0x02014b50), ...u16(45), ...u16(45), 0, 0, 0, 0, 0, 0, 0, 0, ...u32(crc), ...u32(data.length), ...u32(data.length),
      ...u16(n.length), ...u16(extra.length), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(big ? 0xffffffff : offset), ...n, ...extra]);
  };
  const { bytes, storages } = pickle(dicts);
  entry(`${root}/data.pkl`, bytes);
  storages.forEach((t, i) => {
    const v = t.values();
    const want = t.shape.reduce((a, d) => a * d, 1);
    if (v.length !== want) throw new RangeError(`tensor '${t.name}' has ${v.length} values, its shape [${t.shape}] holds ${want}`);
    entry(`${root}/data/${i}`, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  });
  entry(`${root}/version`, enc.encode('3\n'));
  const cdOffset = at;
  for (const c of central) emit(Uint8Array.from(c));
  const cdSize = at - cdOffset;
  const count = central.length;
  if (cdOffset >= 0xffffffff || count >= 0xffff) {
    const eocd64 = at;
    emit(Uint8Array.from([...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), 0, 0, 0, 0, 0, 0, 0, 0, ...u64(count), ...u64(count), ...u64(cdSize), ...u64(cdOffset)]));
    emit(Uint8Array.from([...u32(0x07064b50), 0, 0, 0, 0, ...u64(eocd64), ...u32(1)]));
  }
  const clamp16 = Math.min(count, 0xffff);
  emit(Uint8Array.from([...u32(0x06054b50), 0, 0, 0, 0, ...u16(clamp16), ...u16(clamp16), ...u32(Math.min(cdSize, 0xffffffff)), ...u32(Math.min(cdOffset, 0xffffffff)), 0, 0]));
  return at;
};
