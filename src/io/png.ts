/**
 * PNG encoding and decoding, platform-neutral (deflate through the web-standard streams).
 * Images are interleaved 8-bit samples, row-major: data[(y * width + x) * channels + c].
 * Channels: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA.
 *
 * Decoding takes every non-interlaced PNG: grey at 1, 2, 4, 8 or 16 bits, grey + alpha, RGB and
 * RGBA at 8 or 16 bits, palette at 1 to 8 bits (expanded to RGB, or RGBA when it has a tRNS
 * chunk), all five filter types, any number of IDAT chunks. 16-bit samples are rounded to 8
 * bits. A tRNS colour key on grey or RGB images is ignored (those stay opaque). Interlaced
 * (Adam7) files are refused with a message saying so.
 */
import * as E from 'fp-ts/lib/Either.js';
import { ProblemsError } from './problems.ts';
import { readChunks, writeChunks, type Chunk } from './png-chunks.ts';
import { filterRows, unfilterRows, type FilterType } from './png-filters.ts';
import { compress, decompress } from './streams.ts';

export type { FilterType } from './png-filters.ts';
export type Channels = 1 | 2 | 3 | 4;

export interface PngImage {
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
  readonly data: Uint8Array;
}

export class PngError extends ProblemsError {
  constructor(problems: readonly string[], source?: string) {
    super('invalid PNG image', problems, source);
    this.name = 'PngError';
  }
  withSource(source: string): PngError { return new PngError(this.problems, source); }
}

const colourTypeOf: Readonly<Record<Channels, number>> = { 1: 0, 2: 4, 3: 2, 4: 6 };
const IDAT_SIZE = 1 << 20;

const imageProblems = (im: PngImage): string[] => {
  const p: string[] = [];
  const dim = (n: number) => Number.isInteger(n) && n >= 1 && n <= 0x7fffffff;
  if (!dim(im.width) || !dim(im.height)) p.push(`width and height must be positive integers, got ${im.width}x${im.height}`);
  if (![1, 2, 3, 4].includes(im.channels)) p.push(`channels must be 1, 2, 3 or 4, got ${im.channels}`);
  else if (p.length === 0 && im.data.length !== im.width * im.height * im.channels) {
    p.push(`a ${im.width}x${im.height} image with ${im.channels} channels has ${im.width * im.height * im.channels} samples, data has ${im.data.length}`);
  }
  return p;
};

export interface EncodeOptions {
  /** One filter type for every row, or the cheapest per row (default). */
  readonly filter?: FilterType | 'adaptive';
}

/** Encodes 8-bit samples as a PNG; rejects (PngError) when data does not match the size. */
export const encodePng = async (image: PngImage, options: EncodeOptions = {}): Promise<Uint8Array> => {
  const problems = imageProblems(image);
  if (problems.length > 0) throw new PngError(problems);
  const { width, height, channels, data } = image;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, colourTypeOf[channels], 0, 0, 0], 8); // bit depth, colour type, deflate, adaptive filtering, no interlace
  const filtered = filterRows(data, height, width * channels, channels, options.filter ?? 'adaptive');
  const z = await compress(filtered, 'deflate');
  const idat: Chunk[] = [];
  for (let at = 0; at < z.length; at += IDAT_SIZE) idat.push({ type: 'IDAT', data: z.subarray(at, at + IDAT_SIZE) });
  return writeChunks([{ type: 'IHDR', data: ihdr }, ...idat, { type: 'IEND', data: new Uint8Array(0) }]);
};

interface Header { width: number; height: number; depth: number; colour: number; interlace: number }

const allowedDepths: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const samplesPerPixel: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const readHeader = (chunk: Chunk | undefined, maxPixels: number): E.Either<string, Header> => {
  if (chunk?.type !== 'IHDR' || chunk.data.length !== 13) return E.left('the first chunk is not a 13-byte IHDR');
  const v = new DataView(chunk.data.buffer, chunk.data.byteOffset, 13);
  const h: Header = { width: v.getUint32(0), height: v.getUint32(4), depth: v.getUint8(8), colour: v.getUint8(9), interlace: v.getUint8(12) };
  if (h.width === 0 || h.height === 0 || h.width > 0x7fffffff || h.height > 0x7fffffff) return E.left(`the size ${h.width}x${h.height} is not valid`);
  const depths = allowedDepths[h.colour];
  if (!depths) return E.left(`colour type ${h.colour} does not exist (PNG has 0, 2, 3, 4, 6)`);
  if (!depths.includes(h.depth)) return E.left(`bit depth ${h.depth} is not allowed with colour type ${h.colour} (allowed: ${depths.join(', ')})`);
  if (v.getUint8(10) !== 0 || v.getUint8(11) !== 0) return E.left('the compression or filter method is not 0');
  if (h.interlace === 1) return E.left('it is interlaced (Adam7), which this decoder does not read: save it again without interlacing');
  if (h.interlace !== 0) return E.left(`interlace method ${h.interlace} does not exist`);
  if (h.width * h.height > maxPixels) return E.left(`${h.width}x${h.height} is more than the ${maxPixels} pixels allowed`);
  return E.right(h);
};

/** Samples widened or narrowed to one byte each; palette indices stay indices. */
const toBytes = (raw: Uint8Array, h: Header, stride: number): Uint8Array => {
  const perRow = h.width * samplesPerPixel[h.colour]!;
  if (h.depth === 8) return raw;
  const out = new Uint8Array(perRow * h.height);
  if (h.depth === 16) {
    for (let i = 0; i < out.length; i++) out[i] = Math.round(((raw[2 * i]! << 8) | raw[2 * i + 1]!) / 257);
    return out;
  }
  const mask = (1 << h.depth) - 1;
  const scale = h.colour === 3 ? 1 : 255 / mask; // grey levels stretch to 0..255
  for (let y = 0; y < h.height; y++) {
    for (let s = 0; s < perRow; s++) {
      const bit = s * h.depth;
      const byte = raw[y * stride + (bit >>> 3)]!;
      out[y * perRow + s] = ((byte >>> (8 - h.depth - (bit & 7))) & mask) * scale;
    }
  }
  return out;
};

const expandPalette = (indices: Uint8Array, plte: Uint8Array, trns: Uint8Array | undefined): E.Either<string, Uint8Array> => {
  const entries = plte.length / 3;
  const c = trns ? 4 : 3;
  const out = new Uint8Array(indices.length * c);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (k >= entries) return E.left(`pixel ${i} uses palette entry ${k}, but the palette has ${entries}`);
    out.set(plte.subarray(3 * k, 3 * k + 3), i * c);
    if (trns) out[i * c + 3] = k < trns.length ? trns[k]! : 255;
  }
  return E.right(out);
};

export interface DecodeOptions {
  /** Refuse larger images before inflating them (default 2^26 pixels, 8192 x 8192). */
  readonly maxPixels?: number;
}

export const decodePng = async (bytes: Uint8Array, options: DecodeOptions = {}): Promise<E.Either<PngError, PngImage>> => {
  const fail = (problem: string) => E.left(new PngError([problem]));
  const chunks = readChunks(bytes);
  if (E.isLeft(chunks)) return fail(chunks.left);
  const header = readHeader(chunks.right[0], options.maxPixels ?? 2 ** 26);
  if (E.isLeft(header)) return fail(header.left);
  const h = header.right;
  const critical = chunks.right.find((c) => /^[A-Z]/.test(c.type) && !['IHDR', 'PLTE', 'IDAT', 'IEND'].includes(c.type));
  if (critical) return fail(`it has a critical chunk ${critical.type} that this decoder does not know`);
  const plte = chunks.right.find((c) => c.type === 'PLTE')?.data;
  const trns = chunks.right.find((c) => c.type === 'tRNS')?.data;
  if (h.colour === 3) {
    if (!plte) return fail('it is a palette image without a PLTE chunk');
    if (plte.length === 0 || plte.length % 3 !== 0 || plte.length > 768) return fail(`its PLTE chunk has ${plte.length} bytes, not 3 to 768 in steps of 3`);
    if (trns && trns.length > plte.length / 3) return fail(`its tRNS chunk has ${trns.length} entries for a palette of ${plte.length / 3}`);
  }
  const idat = chunks.right.filter((c) => c.type === 'IDAT');
  if (idat.length === 0) return fail('it has no IDAT (image data) chunk');
  const z = new Uint8Array(idat.reduce((n, c) => n + c.data.length, 0));
  idat.reduce((at, c) => { z.set(c.data, at); return at + c.data.length; }, 0);
  const bitsPerPixel = samplesPerPixel[h.colour]! * h.depth;
  const stride = Math.ceil((h.width * bitsPerPixel) / 8);
  const expected = h.height * (stride + 1);
  const inflated = await decompress(z, 'deflate', expected);
  if (E.isLeft(inflated)) return fail(`its image data does not inflate: ${inflated.left}`);
  if (inflated.right.length !== expected) {
    return fail(`its image data is ${inflated.right.length} bytes, but a ${h.width}x${h.height} image needs ${expected}: the file is truncated`);
  }
  const raw = unfilterRows(inflated.right, h.height, stride, Math.max(1, bitsPerPixel >>> 3));
  if (E.isLeft(raw)) return fail(raw.left);
  const samples = toBytes(raw.right, h, stride);
  if (h.colour !== 3) {
    return E.right({ width: h.width, height: h.height, channels: samplesPerPixel[h.colour] as Channels, data: samples });
  }
  const rgb = expandPalette(samples, plte!, trns);
  if (E.isLeft(rgb)) return fail(rgb.left);
  return E.right({ width: h.width, height: h.height, channels: trns ? 4 : 3, data: rgb.right });
};
