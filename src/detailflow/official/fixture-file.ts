/**
 * Safetensors as the official fixtures (and PyTorch's safetensors writer) store them: F32, I64
 * (ids and codes, read as int32 when every value fits), U8 (masks) and I32. The project's own
 * reader takes no I64, so this is the reader for files written by PyTorch code.
 */
import * as E from 'fp-ts/lib/Either.js';
import { hostArray } from '../../ir/host-array.ts';
import type { StoredTensor } from '../../io/safetensors.ts';
import { ProblemsError } from '../../io/problems.ts';
import { parseJsonBounded } from '../../io/json.ts';
import { MAX_HEADER_DEPTH } from '../../io/safetensors.ts';

export class FixtureError extends ProblemsError {
  constructor(problems: readonly string[], source?: string) {
    super('cannot read safetensors file', problems, source);
    this.name = 'FixtureError';
  }
}

export interface TorchSafetensors {
  /** In the file's data order. */
  readonly tensors: ReadonlyMap<string, StoredTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const sizes: Readonly<Record<string, number>> = { F32: 4, I64: 8, I32: 4, U8: 1 };

export const decodeTorchSafetensors = (bytes: Uint8Array): E.Either<FixtureError, TorchSafetensors> => {
  const fail = (p: string) => E.left(new FixtureError([p]));
  if (bytes.length < 8) return fail(`the file is ${bytes.length} bytes, too short for safetensors`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > bytes.length - 8 || n > 100_000_000) return fail(`the header length ${n} runs past the end of the file (${bytes.length} bytes): not safetensors`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('the header is not UTF-8: not safetensors');
  }
  // bounded: a header nested thousands deep is refused in one line, not with a stack overflow
  const parsed = parseJsonBounded(text, MAX_HEADER_DEPTH);
  if (E.isLeft(parsed)) return fail(`the header is not safetensors JSON: ${parsed.left}`);
  const header = parsed.right as Record<string, unknown>;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('the header is not a JSON object');
  const base = 8 + n;
  const problems: string[] = [];
  const entries: [string, StoredTensor, number][] = [];
  for (const [name, u] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = u as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const size = typeof e.dtype === 'string' ? sizes[e.dtype] : undefined;
    const shape = e.shape;
    const offs = e.data_offsets;
    if (!size || !Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Array.isArray(offs) || offs.length !== 2) {
      problems.push(`tensor '${name}': unsupported entry ${JSON.stringify(u)} (dtypes F32, I64, I32, U8)`);
      continue;
    }
    const count = (shape as number[]).reduce((a, d) => a * d, 1);
    const [begin, end] = offs as number[];
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || end - begin !== count * size || base + end > bytes.length || begin < 0) {
      problems.push(`tensor '${name}': data_offsets [${begin}, ${end}] do not hold ${e.dtype} [${shape}] inside the file`);
      continue;
    }
    const raw = Uint8Array.prototype.slice.call(bytes, base + begin, base + end);
    const dv = new DataView(raw.buffer);
    if (e.dtype === 'U8') { entries.push([name, { data: raw, shape: [...shape], dtype: 'uint8' }, begin]); continue; }
    if (e.dtype === 'F32') {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
      entries.push([name, hostArray(out, shape as number[]), begin]);
      continue;
    }
    const out = new Int32Array(count);
    let ok = true;
    for (let i = 0; i < count; i++) {
      const x = e.dtype === 'I64' ? dv.getBigInt64(8 * i, true) : BigInt(dv.getInt32(4 * i, true));
      if (x < -2147483648n || x > 2147483647n) { ok = false; break; }
      out[i] = Number(x);
    }
    if (!ok) problems.push(`tensor '${name}': an I64 value does not fit in int32`);
    else entries.push([name, hostArray(out, shape as number[]), begin]);
  }
  if (problems.length > 0) return E.left(new FixtureError(problems));
  const meta = header['__metadata__'];
  const metadata = typeof meta === 'object' && meta !== null ? Object.fromEntries(Object.entries(meta).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
  entries.sort((a, b) => a[2] - b[2]);
  return E.right({ tensors: new Map(entries.map(([k, t]) => [k, t])), metadata });
};
