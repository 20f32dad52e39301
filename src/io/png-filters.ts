/**
 * PNG's five scanline filters (PNG spec, section 9). Each row of the inflated image data starts
 * with a filter-type byte; bytes are predicted from the byte one pixel to the left (a), the byte
 * above (b) and the one above-left (c). `bpp` is the bytes per complete pixel, at least 1.
 */
import * as E from 'fp-ts/lib/Either.js';

export type FilterType = 0 | 1 | 2 | 3 | 4;

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** The predictor of filter `f` for byte i of a row, given the row so far (raw bytes) and the raw row above. */
const predict = (f: FilterType, row: Uint8Array, prior: Uint8Array, i: number, bpp: number): number => {
  const a = i >= bpp ? row[i - bpp]! : 0;
  const b = prior[i]!;
  switch (f) {
    case 0: return 0;
    case 1: return a;
    case 2: return b;
    case 3: return (a + b) >>> 1;
    case 4: return paeth(a, b, i >= bpp ? prior[i - bpp]! : 0);
  }
};

/** Undoes the filters of `height` rows of `stride` bytes each (plus their filter bytes). */
export const unfilterRows = (data: Uint8Array, height: number, stride: number, bpp: number): E.Either<string, Uint8Array> => {
  const out = new Uint8Array(height * stride);
  let prior: Uint8Array = new Uint8Array(stride); // the row above the first is all zeros
  for (let y = 0; y < height; y++) {
    const f = data[y * (stride + 1)]!;
    if (f > 4) return E.left(`row ${y} has filter type ${f}; PNG defines 0 to 4`);
    const src = data.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    for (let i = 0; i < stride; i++) row[i] = (src[i]! + predict(f as FilterType, row, prior, i, bpp)) & 0xff;
    prior = row;
  }
  return E.right(out);
};

const filterRow = (f: FilterType, row: Uint8Array, prior: Uint8Array, bpp: number, out: Uint8Array): void => {
  out[0] = f;
  for (let i = 0; i < row.length; i++) out[i + 1] = (row[i]! - predict(f, row, prior, i, bpp)) & 0xff;
};

/** Sum of the filtered bytes read as signed: the usual cheap guess at which filter compresses best. */
const cost = (filtered: Uint8Array): number => {
  let s = 0;
  for (let i = 1; i < filtered.length; i++) s += filtered[i]! < 128 ? filtered[i]! : 256 - filtered[i]!;
  return s;
};

/** Filters raw rows with one filter type for all rows, or the cheapest per row ('adaptive'). */
export const filterRows = (raw: Uint8Array, height: number, stride: number, bpp: number, choice: FilterType | 'adaptive'): Uint8Array => {
  const out = new Uint8Array(height * (stride + 1));
  const candidates = Array.from({ length: 5 }, () => new Uint8Array(stride + 1));
  let prior: Uint8Array = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * stride, (y + 1) * stride);
    const target = out.subarray(y * (stride + 1), (y + 1) * (stride + 1));
    if (choice !== 'adaptive') filterRow(choice, row, prior, bpp, target);
    else {
      candidates.forEach((c, f) => filterRow(f as FilterType, row, prior, bpp, c));
      target.set(candidates.reduce((best, c) => (cost(c) < cost(best) ? c : best)));
    }
    prior = row;
  }
  return out;
};
