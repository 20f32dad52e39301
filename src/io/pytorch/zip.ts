/**
 * The zip container torch.save writes: stored (uncompressed) entries, zip64 records when large.
 * Only the central directory is read up front; an entry's bytes are read when asked for. Every
 * size and offset the archive states is checked against the file before anything is allocated,
 * so a forged size cannot make the reader reserve memory the file does not back.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { ByteSource } from './byte-source.ts';
import { CheckpointError } from './errors.ts';

export interface ZipEntry {
  readonly name: string;
  /** Where the entry's data starts, and its length (stored: compressed = uncompressed). */
  readonly offset: number;
  readonly size: number;
}

export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's bytes (a view or copy of the source's). */
  read(entry: ZipEntry): Uint8Array;
  /** A sub-range of an entry, checked against the entry's size. */
  readRange(entry: ZipEntry, from: number, length: number): Uint8Array;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

const fail = (...problems: string[]): E.Either<CheckpointError, never> => E.left(new CheckpointError(problems));

const u64 = (v: DataView, at: number): number => v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;
const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

const findEnd = (src: ByteSource): number => {
  const tail = Math.min(src.size, 22 + MAX_COMMENT);
  const bytes = src.read(src.size - tail, tail);
  const v = viewOf(bytes);
  for (let i = tail - 22; i >= 0; i--) if (v.getUint32(i, true) === EOCD) return src.size - tail + i;
  return -1;
};

/** The central directory's place and entry count, through the zip64 records when the 32-bit fields overflow. */
const directory = (src: ByteSource, end: number): E.Either<CheckpointError, { count: number; size: number; offset: number }> => {
  const v = viewOf(src.read(end, 22));
  let count = v.getUint16(10, true);
  let size = v.getUint32(12, true);
  let offset = v.getUint32(16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    if (end < 20) return fail('the zip64 end-of-directory locator is missing');
    const loc = viewOf(src.read(end - 20, 20));
    if (loc.getUint32(0, true) !== LOCATOR64) return fail('the zip64 end-of-directory locator is missing');
    const at = u64(loc, 8);
    if (at + 56 > src.size) return fail(`the zip64 end-of-directory record at ${at} is past the end of the file (${src.size} bytes)`);
    const r = viewOf(src.read(at, 56));
    if (r.getUint32(0, true) !== EOCD64) return fail('the zip64 end-of-directory record has a bad signature');
    count = u64(r, 32);
    size = u64(r, 40);
    offset = u64(r, 48);
  }
  if (offset + size > src.size) return fail(`the central directory [${offset}, ${offset + size}) runs past the end of the file (${src.size} bytes): the file is truncated`);
  if (count * 46 > size) return fail(`the central directory claims ${count} entries in ${size} bytes`);
  return E.right({ count, size, offset });
};

/** Sizes the zip64 extra field overrides (those stored as 0xffffffff), in the format's order. */
const zip64Extra = (extra: DataView, fields: { size: number; csize: number; local: number }): typeof fields | string => {
  const out = { ...fields };
  for (let at = 0; at + 4 <= extra.byteLength;) {
    const id = extra.getUint16(at, true);
    const len = extra.getUint16(at + 2, true);
    if (id === 0x0001) {
      let p = at + 4;
      for (const k of ['size', 'csize', 'local'] as const) {
        if (fields[k] !== 0xffffffff) continue;
        if (p + 8 > at + 4 + len || p + 8 > extra.byteLength) return 'its zip64 extra field is too short';
        out[k] = u64(extra, p);
        p += 8;
      }
    }
    at += 4 + len;
  }
  return out;
};

/** Reads the central directory of a zip archive and checks every entry against the file. */
export const openZip = (src: ByteSource): E.Either<CheckpointError, ZipArchive> => {
  if (src.size < 22) return fail(`the file is ${src.size} bytes, too short to be a zip archive (torch.save writes one)`);
  const head = src.read(0, 4);
  if (viewOf(head).getUint32(0, true) !== LOCAL) {
    return fail('the file is not a zip archive (torch.save writes one since PyTorch 1.6; an older or non-PyTorch file cannot be read)');
  }
  const end = findEnd(src);
  if (end < 0) return fail('the zip archive has no end-of-directory record: the file is truncated');
  const dir = directory(src, end);
  if (E.isLeft(dir)) return dir;
  const cd = src.read(dir.right.offset, dir.right.size);
  const v = viewOf(cd);
  const entries = new Map<string, ZipEntry>();
  const names = new TextDecoder('utf-8', { fatal: false });
  let at = 0;
  for (let i = 0; i < dir.right.count; i++) {
    if (at + 46 > cd.length || v.getUint32(at, true) !== CENTRAL) return fail(`central directory entry ${i} is damaged`);
    const method = v.getUint16(at + 10, true);
    const nameLen = v.getUint16(at + 28, true);
    const extraLen = v.getUint16(at + 30, true);
    const commentLen = v.getUint16(at + 32, true);
    if (at + 46 + nameLen + extraLen + commentLen > cd.length) return fail(`central directory entry ${i} runs past the directory`);
    const name = names.decode(cd.subarray(at + 46, at + 46 + nameLen));
    const sizes = zip64Extra(new DataView(cd.buffer, cd.byteOffset + at + 46 + nameLen, extraLen),
      { size: v.getUint32(at + 24, true), csize: v.getUint32(at + 20, true), local: v.getUint32(at + 42, true) });
    at += 46 + nameLen + extraLen + commentLen;
    if (typeof sizes === 'string') return fail(`entry '${name}': ${sizes}`);
    if (method !== 0) return fail(`entry '${name}' is compressed (method ${method}); torch.save stores entries uncompressed`);
    if (sizes.csize !== sizes.size) return fail(`entry '${name}' is stored but states ${sizes.csize} stored and ${sizes.size} unpacked bytes`);
    if (sizes.local + 30 > src.size) return fail(`entry '${name}': its header at ${sizes.local} is past the end of the file (${src.size} bytes)`);
    const local = viewOf(src.read(sizes.local, 30));
    if (local.getUint32(0, true) !== LOCAL) return fail(`entry '${name}': no local header at ${sizes.local}`);
    const offset = sizes.local + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    // refused before any allocation: the stated size must fit in the file
    if (offset + sizes.size > src.size) {
      return fail(`entry '${name}' states ${sizes.size} bytes at ${offset}, past the end of the file (${src.size} bytes): the file is truncated or forged`);
    }
    if (entries.has(name)) return fail(`entry '${name}' appears twice`);
    entries.set(name, { name, offset, size: sizes.size });
  }
  const readRange = (e: ZipEntry, from: number, length: number): Uint8Array => {
    if (from < 0 || length < 0 || from + length > e.size) throw new RangeError(`range [${from}, ${from + length}) is outside entry '${e.name}' (${e.size} bytes)`);
    return src.read(e.offset + from, length);
  };
  return E.right({ entries, read: (e) => readRange(e, 0, e.size), readRange });
};
