/**
 * The safetensors format (Hugging Face), platform-neutral, on Uint8Array:
 *   8 bytes little-endian u64 N | N bytes of JSON header, space-padded to 8-byte alignment | data.
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets into the
 * data section) plus an optional "__metadata__" map of strings. Encoding follows the reference
 * writer byte for byte: tensors ordered by descending dtype alignment, then by name; the JSON is
 * compact with "__metadata__" first and tensors in data order. Decoding checks every claim of the
 * header against the file before it copies anything out.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { HostArray } from '../ir/host-array.ts';
import type { Shape } from '../ir/shape.ts';
import { capProblems, ProblemsError } from './problems.ts';
import { parseJsonBounded } from './json.ts';
import { bfloat16ToFloat, floatToHalf, HALF_MAX, halfBytes, halfToFloat } from './half.ts';

export class SafetensorsError extends ProblemsError {
  constructor(problems: readonly string[], source?: string) {
    super('invalid safetensors file', problems, source);
    this.name = 'SafetensorsError';
  }
  withSource(source: string): SafetensorsError { return new SafetensorsError(this.problems, source); }
}

/** Raw bytes (safetensors U8); HostArray's Uint8Array means bool, so bytes get their own dtype. */
export interface ByteArray {
  readonly data: Uint8Array;
  readonly shape: Shape;
  readonly dtype: 'uint8';
}
export type StoredTensor = HostArray | ByteArray;
export type StoredDType = StoredTensor['dtype'];

export interface Safetensors {
  readonly tensors: Readonly<Record<string, StoredTensor>>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Our dtypes and the format's names. */
const formatName = { float32: 'F32', int32: 'I32', uint8: 'U8', bool: 'BOOL' } as const satisfies Record<StoredDType, string>;
/** The formats read, and the dtype each decodes to: 16-bit floats widen exactly to float32. */
const fromFormat: Readonly<Record<string, StoredDType>> = { F32: 'float32', F16: 'float32', BF16: 'float32', I32: 'int32', U8: 'uint8', BOOL: 'bool' };
/** 16-bit float formats, widened to float32 on reading. */
const isHalfFormat = (format: string): boolean => format === 'F16' || format === 'BF16';
/** Bytes per element, which is also the reference writer's alignment order (largest first). */
const itemSize: Readonly<Record<string, number>> = { F32: 4, I32: 4, F16: 2, BF16: 2, U8: 1, BOOL: 1 };
const rank: Readonly<Record<string, number>> = { F32: 0, I32: 1, F16: 2, BF16: 3, U8: 4, BOOL: 5 };

/** How floats are written: float32, or float16 (half the bytes; decoded back to float32, rounded). */
export interface EncodeOptions {
  readonly floats?: 'F32' | 'F16';
}
const MAX_HEADER = 100_000_000; // the reference reader's limit
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

const showShape = (s: readonly number[]): string => `[${s.join(', ')}]`;
const product = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

const arrayFits = (t: StoredTensor): boolean =>
  t.dtype === 'float32' ? t.data instanceof Float32Array : t.dtype === 'int32' ? t.data instanceof Int32Array : t.data instanceof Uint8Array;

const inputProblems = (tensors: Record<string, StoredTensor>, metadata: Record<string, string>, floats: string): string[] => {
  const p: string[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (floats === 'F16' && t.dtype === 'float32' && arrayFits(t)) {
      const big = (t.data as Float32Array).findIndex((v) => Number.isFinite(v) && (floatToHalf(v) & 0x7fff) === 0x7c00);
      if (big >= 0) p.push(`tensor '${name}': value ${t.data[big]} at element ${big} is beyond float16's range (±${HALF_MAX}); store it as float32`);
    }
    if (name === '__metadata__') p.push("a tensor cannot be named '__metadata__' (the format reserves it)");
    if (!Object.hasOwn(formatName, t.dtype)) p.push(`tensor '${name}': dtype ${String(t.dtype)} cannot be stored (float32, int32, uint8, bool can)`);
    else if (!arrayFits(t)) p.push(`tensor '${name}': dtype ${t.dtype} does not match its ${t.data.constructor.name}`);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) p.push(`tensor '${name}': shape ${showShape(t.shape)} is not a list of non-negative integers`);
    else if (product(t.shape) !== t.data.length) p.push(`tensor '${name}': shape ${showShape(t.shape)} holds ${product(t.shape)} elements, data has ${t.data.length}`);
  }
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') p.push(`metadata '${k}': values must be strings, got ${typeof v}`);
  return p;
};

/** Little-endian bytes of a typed array (a view on little-endian machines, a swapped copy otherwise). */
const leBytes = (data: StoredTensor['data']): Uint8Array => {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndian || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const view = new DataView(out.buffer);
  data.forEach((v: number, i: number) => (data instanceof Float32Array ? view.setFloat32(i * 4, v, true) : view.setInt32(i * 4, v, true)));
  return out;
};

export const tryEncodeSafetensors = (
  tensors: Record<string, StoredTensor>, metadata: Record<string, string> = {}, options: EncodeOptions = {},
): E.Either<SafetensorsError, Uint8Array> => {
  const floats = options.floats ?? 'F32';
  const problems = inputProblems(tensors, metadata, floats);
  if (problems.length > 0) return E.left(new SafetensorsError(problems));
  const format = (t: StoredTensor): string => (t.dtype === 'float32' ? floats : formatName[t.dtype]);
  const payload = (t: StoredTensor): Uint8Array => (format(t) === 'F16' ? halfBytes(t.data as Float32Array) : leBytes(t.data));
  const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0); // Rust's str order
  const names = Object.keys(tensors).sort((a, b) => rank[format(tensors[a]!)]! - rank[format(tensors[b]!)]! || byCodePoint(a, b));
  const entries: [string, unknown][] = [];
  const metaKeys = Object.keys(metadata).sort(byCodePoint); // the reference's order is a hash map's; sorted is reproducible
  if (metaKeys.length > 0) entries.push(['__metadata__', Object.fromEntries(metaKeys.map((k) => [k, metadata[k]]))]);
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    const n = t.data.length * itemSize[format(t)]!;
    entries.push([name, { dtype: format(t), shape: [...t.shape], data_offsets: [offset, offset + n] }]);
    offset += n;
  }
  // fromEntries defines own properties, so even a tensor named '__proto__' is written
  const header = Object.fromEntries(entries);
  // JSON.stringify and serde_json agree on compact output and string escapes.
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength % 2 ** 32, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    const bytes = payload(tensors[name]!);
    out.set(bytes, at);
    at += bytes.length;
  }
  return E.right(out);
};

/** Encodes, throwing a SafetensorsError for inputs that cannot be stored (wrong sizes, dtypes). */
export const encodeSafetensors = (tensors: Record<string, StoredTensor>, metadata: Record<string, string> = {}, options: EncodeOptions = {}): Uint8Array =>
  E.getOrElse<SafetensorsError, Uint8Array>((e) => { throw e; })(tryEncodeSafetensors(tensors, metadata, options));

/** `format` is the stored one (F16...), `dtype` what it decodes to. */
interface Entry { name: string; format: string; dtype: StoredDType; shape: number[]; begin: number; end: number }

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const isCount = (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0;

const readEntry = (name: string, u: unknown, problems: string[]): Entry | undefined => {
  const bad = (why: string): undefined => { problems.push(`tensor '${name}': ${why}`); return undefined; };
  if (!isRecord(u)) return bad('its header entry is not an object');
  const { dtype, shape, data_offsets: offsets } = u;
  if (typeof dtype !== 'string' || !Object.hasOwn(fromFormat, dtype)) {
    return bad(`unknown dtype ${JSON.stringify(dtype) ?? 'nothing'} (this reader takes F32, F16, BF16, I32, U8, BOOL)`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) return bad('shape is not a list of non-negative integers');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) return bad('data_offsets is not a pair of non-negative integers');
  const [begin, end] = offsets as [number, number];
  if (end < begin) return bad(`data_offsets [${begin}, ${end}] end before they begin`);
  const dt = fromFormat[dtype]!;
  const bytes = product(shape) * itemSize[dtype]!;
  if (!Number.isSafeInteger(bytes)) return bad(`shape ${showShape(shape)} is too large`);
  if (end - begin !== bytes) return bad(`data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${dtype} ${showShape(shape)} needs ${bytes}`);
  return { name, format: dtype, dtype: dt, shape, begin, end };
};

/** Offsets must tile the data section exactly: no gaps, no overlaps, nothing past its end. */
const layoutProblems = (entries: Entry[], dataLength: number): string[] => {
  const p: string[] = [];
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.end > dataLength) p.push(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] run past the data section (${dataLength} bytes)`);
    else if (e.begin < at) p.push(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${prev!.name}' [${prev!.begin}, ${prev!.end}]`);
    else if (e.begin > at) p.push(`tensor '${e.name}': data_offsets begin at ${e.begin}, leaving bytes ${at}..${e.begin} unused`);
    if (e.end >= at) { at = e.end; prev = e; }
  }
  if (p.length === 0 && at !== dataLength) p.push(`the data section is ${dataLength} bytes, but the tensors cover ${at} (the file is truncated or has trailing bytes)`);
  return p;
};

const copyOut = (e: Entry, data: Uint8Array): StoredTensor => {
  // a fresh, aligned copy: Uint8Array.prototype.slice, because Node's Buffer#slice returns a view
  const bytes = Uint8Array.prototype.slice.call(data, e.begin, e.end);
  const shape = Object.freeze([...e.shape]);
  if (e.dtype === 'uint8' || e.dtype === 'bool') return { data: bytes, shape, dtype: e.dtype } as StoredTensor;
  if (isHalfFormat(e.format)) {
    const view = new DataView(bytes.buffer);
    const widen = e.format === 'F16' ? halfToFloat : bfloat16ToFloat;
    const out = new Float32Array(bytes.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = widen(view.getUint16(2 * i, true));
    return { data: out, shape, dtype: 'float32' };
  }
  const n = bytes.length / 4;
  const out = e.dtype === 'float32' ? new Float32Array(bytes.buffer, 0, n) : new Int32Array(bytes.buffer, 0, n);
  if (!littleEndian) {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < n; i++) out[i] = e.dtype === 'float32' ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
  }
  return { data: out, shape, dtype: e.dtype } as StoredTensor;
};

/** What the header says, checked against the file, before any tensor is copied out. */
export interface SafetensorsHeader {
  readonly metadata: Readonly<Record<string, string>>;
  readonly tensors: readonly { readonly name: string; readonly dtype: StoredDType; readonly shape: readonly number[] }[];
  /** The size of the data section in bytes (what the tensors tile exactly). */
  readonly dataBytes: number;
  /** The bytes the tensors take once decoded (16-bit floats widen to 4 bytes). */
  readonly decodedBytes: number;
}

// A valid header nests three levels ({name: {shape: [...]}}); one more is slack.
export const MAX_HEADER_DEPTH = 4;

const readHeader = (bytes: Uint8Array): E.Either<SafetensorsError, { metadata: Record<string, string>; entries: Entry[]; n: number }> => {
  const fail = (...problems: string[]) => E.left(new SafetensorsError(problems));
  if (bytes.length < 8) return fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > bytes.length - 8) return fail(`the header length ${n} runs past the end of the file (${bytes.length} bytes): the file is truncated or not safetensors`);
  if (n > MAX_HEADER) return fail(`the header length ${n} is over the ${MAX_HEADER}-byte limit`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) return fail(`the header does not start with '{' (it starts with ${JSON.stringify(text.slice(0, 8))})`);
  const parsed = parseJsonBounded(text, MAX_HEADER_DEPTH);
  if (E.isLeft(parsed)) return fail(`the header: ${parsed.left}`);
  const header = parsed.right;
  if (!isRecord(header)) return fail('the header is not a JSON object');
  const problems: string[] = [];
  const metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [name, u] of Object.entries(header)) {
    if (name !== '__metadata__') {
      const e = readEntry(name, u, problems);
      if (e) entries.push(e);
    } else if (!isRecord(u)) problems.push('__metadata__ is not an object of strings');
    else {
      for (const [k, v] of Object.entries(u)) {
        if (typeof v === 'string') metadata.push([k, v]);
        else problems.push(`__metadata__ '${k}': values must be strings, got ${JSON.stringify(v)}`);
      }
    }
  }
  if (problems.length === 0) problems.push(...layoutProblems(entries, bytes.length - 8 - n));
  if (problems.length > 0) return E.left(new SafetensorsError(capProblems(problems)));
  // fromEntries keeps names such as '__proto__' as plain keys
  return E.right({ metadata: Object.fromEntries(metadata), entries, n });
};

/** The checked header alone: names, dtypes, shapes and metadata, with nothing copied out. */
export const readSafetensorsHeader = (bytes: Uint8Array): E.Either<SafetensorsError, SafetensorsHeader> =>
  E.map((h: { metadata: Record<string, string>; entries: Entry[]; n: number }): SafetensorsHeader => ({
    metadata: h.metadata,
    tensors: h.entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape })),
    dataBytes: bytes.length - 8 - h.n,
    decodedBytes: h.entries.reduce((n, e) => n + (e.end - e.begin) * (isHalfFormat(e.format) ? 2 : 1), 0),
  }))(readHeader(bytes));

export const decodeSafetensors = (bytes: Uint8Array): E.Either<SafetensorsError, Safetensors> => {
  const h = readHeader(bytes);
  if (E.isLeft(h)) return h;
  const data = bytes.subarray(8 + h.right.n);
  const tensors = Object.fromEntries(h.right.entries.map((e) => [e.name, copyOut(e, data)]));
  return E.right({ tensors, metadata: h.right.metadata });
};

export interface TensorSpec { readonly shape: Shape; readonly dtype: StoredDType }

/**
 * Checks decoded tensors against the expected names, shapes and dtypes, listing every problem:
 * missing tensors, wrong shapes or dtypes, and (unless `allowExtra`) tensors nobody expected.
 */
export const checkTensors = (
  decoded: Safetensors, expected: Readonly<Record<string, TensorSpec>>, options: { allowExtra?: boolean } = {},
): E.Either<SafetensorsError, Safetensors> => {
  const p: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = Object.hasOwn(decoded.tensors, name) ? decoded.tensors[name] : undefined;
    const wantText = `${want.dtype} ${showShape(want.shape)}`;
    if (!got) { p.push(`missing tensor '${name}' (expected ${wantText})`); continue; }
    const sameShape = got.shape.length === want.shape.length && got.shape.every((d, i) => d === want.shape[i]);
    if (got.dtype !== want.dtype || !sameShape) p.push(`tensor '${name}' is ${got.dtype} ${showShape(got.shape)}, expected ${wantText}`);
  }
  if (!options.allowExtra) {
    for (const name of Object.keys(decoded.tensors)) if (!Object.hasOwn(expected, name)) p.push(`unexpected tensor '${name}'`);
  }
  return p.length > 0 ? E.left(new SafetensorsError(p)) : E.right(decoded);
};
