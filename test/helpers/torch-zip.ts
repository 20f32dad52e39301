/**
 * Test-side writers for torch.save-shaped files: a stored zip and a protocol-2 pickle of
 * {key: OrderedDict(name -> tensor)}, as torch.save lays them out. They let tests build
 * well-formed, damaged and hostile checkpoints without PyTorch.
 */
import { crc32 } from '../../src/io/crc32.ts';

const le = (n: number, bytes: number): number[] => Array.from({ length: bytes }, (_, i) => Math.floor(n / 256 ** i) % 256);
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A zip of stored entries (what torch.save writes, without its 64-byte alignment padding). */
export const makeZip = (entries: readonly (readonly [string, Uint8Array])[]): Uint8Array => {
  const parts: number[] = [];
  const central: number[] = [];
  const push = (xs: number[], data: Uint8Array) => { for (const x of data) xs.push(x); };
  for (const [name, data] of entries) {
    const n = ascii(name);
    const crc = crc32(data);
    const offset = parts.length;
    parts.push(...le(0x04034b50, 4), ...le(20, 2), 0, 0, 0, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(data.length, 4), ...le(data.length, 4), ...le(n.length, 2), 0, 0, ...n);
    push(parts, data);
    central.push(...le(0x02014b50, 4), ...le(20, 2), ...le(20, 2), 0, 0, 0, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(data.length, 4), ...le(data.length, 4),
      ...le(n.length, 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(offset, 4), ...n);
  }
  const cdOffset = parts.length;
  parts.push(...central, ...le(0x06054b50, 4), 0, 0, 0, 0, ...le(entries.length, 2), ...le(entries.length, 2), ...le(central.length, 4), ...le(cdOffset, 4), 0, 0);
  return Uint8Array.from(parts);
};

/** A pickle assembled from opcode bytes and strings (strings are written as ASCII). */
export const pickleBytes = (...parts: (number | string | Uint8Array)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : typeof p === 'string' ? [...ascii(p)] : [...p])));

const unicode = (s: string): number[] => { const b = ascii(s); return [0x58, ...le(b.length, 4), ...b]; };
const int = (n: number): number[] => [0x4a, ...le(n >>> 0, 4)];
const tuple = (items: number[][]): number[] => [0x28, ...items.flat(), 0x74];

export interface FakeTensor { readonly shape: readonly number[]; readonly data: Float32Array | BigInt64Array; readonly stride?: readonly number[]; readonly offset?: number }

/**
 * A torch.save file holding {key: OrderedDict(name -> tensor)} for each key of `dicts`, one
 * storage per tensor. Returns the zip bytes.
 */
export const torchSaveFile = (dicts: Readonly<Record<string, Readonly<Record<string, FakeTensor>>>>, root = 'archive'): Uint8Array => {
  const storages: [string, Uint8Array][] = [];
  const p: number[] = [0x80, 0x02, 0x7d, 0x28];
  for (const [key, sd] of Object.entries(dicts)) {
    p.push(...unicode(key), 0x63, ...ascii('collections\nOrderedDict\n'), 0x29, 0x52, 0x28);
    for (const [name, t] of Object.entries(sd)) {
      const id = String(storages.length);
      const long = t.data instanceof BigInt64Array;
      storages.push([id, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)]);
      const stride = t.stride ?? t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, d) => a * d, 1));
      const pid = tuple([unicode('storage'), [0x63, ...ascii(`torch\n${long ? 'LongStorage' : 'FloatStorage'}\n`)], unicode(id), unicode('cpu'), int(t.data.length)]);
      p.push(...unicode(name), 0x63, ...ascii('torch._utils\n_rebuild_tensor_v2\n'),
        ...tuple([[...pid, 0x51], int(t.offset ?? 0), tuple(t.shape.map(int)), tuple(stride.map(int)), [0x89], [0x63, ...ascii('collections\nOrderedDict\n'), 0x29, 0x52]]), 0x52);
    }
    p.push(0x75);
  }
  p.push(0x75, 0x2e);
  return makeZip([[`${root}/data.pkl`, Uint8Array.from(p)], ...storages.map(([k, b]) => [`${root}/data/${k}`, b] as const), [`${root}/version`, ascii('3\n')]]);
};
