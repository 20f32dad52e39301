/**
 * PNG's container: an 8-byte signature, then chunks of (u32 big-endian length, 4-letter type,
 * data, CRC-32 of type and data), ending with IEND. Reading checks every length against the
 * bytes that are really there and every CRC, so a truncated or damaged file is refused.
 */
import * as E from 'fp-ts/lib/Either.js';
import { crc32 } from './crc32.ts';

const pngSignature = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

export interface Chunk {
  readonly type: string;
  readonly data: Uint8Array;
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** The chunks up to and including IEND (anything after IEND is ignored, as decoders do). */
export const readChunks = (bytes: Uint8Array): E.Either<string, Chunk[]> => {
  if (bytes.length < 8 || !pngSignature.every((b, i) => bytes[i] === b)) {
    return E.left('it does not start with the PNG signature (89 50 4E 47 0D 0A 1A 0A): not a PNG file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  let at = 8;
  while (at < bytes.length) {
    if (bytes.length - at < 12) return E.left(`the file ends inside a chunk header at byte ${at}: it is truncated`);
    const length = view.getUint32(at);
    const typeBytes = bytes.subarray(at + 4, at + 8);
    if (!typeBytes.every(isLetter)) return E.left(`the chunk at byte ${at} has a corrupt type (${Array.from(typeBytes, (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
    const type = String.fromCharCode(...typeBytes);
    if (length > 0x7fffffff || length > bytes.length - at - 12) {
      return E.left(`chunk ${type} at byte ${at} claims ${length} bytes, but only ${Math.max(0, bytes.length - at - 12)} follow: the file is truncated`);
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(typeBytes, data) !== view.getUint32(at + 8 + length)) return E.left(`chunk ${type} at byte ${at} fails its CRC check: the file is damaged`);
    chunks.push({ type, data });
    at += 12 + length;
    if (type === 'IEND') return E.right(chunks);
  }
  return E.left('there is no IEND chunk: the file is truncated');
};

export const writeChunks = (chunks: readonly Chunk[]): Uint8Array => {
  const out = new Uint8Array(8 + chunks.reduce((n, c) => n + 12 + c.data.length, 0));
  const view = new DataView(out.buffer);
  out.set(pngSignature);
  let at = 8;
  for (const { type, data } of chunks) {
    view.setUint32(at, data.length);
    const typeBytes = Uint8Array.from(type, (ch) => ch.charCodeAt(0));
    out.set(typeBytes, at + 4);
    out.set(data, at + 8);
    view.setUint32(at + 8 + data.length, crc32(typeBytes, data));
    at += 12 + data.length;
  }
  return out;
};
