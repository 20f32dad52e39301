import * as E from 'fp-ts/lib/Either.js';
import { ConfigError, showValue } from '../config/errors.ts';

/** A plain image: channel-major (planar, like one NCHW sample) float32 data. */
export interface HostImage {
  readonly data: Float32Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** Checks the record's fields and that data holds channels * height * width values. */
export const checkHostImage = (img: unknown): E.Either<ConfigError, HostImage> => {
  if (typeof img !== 'object' || img === null) return E.left(new ConfigError([`image: expected {data, channels, height, width}, got ${showValue(img)}`], 'image'));
  const r = img as Record<string, unknown>;
  const problems: string[] = [];
  if (!(r.data instanceof Float32Array)) problems.push(`data: expected a Float32Array, got ${showValue(r.data)}`);
  for (const k of ['channels', 'height', 'width'] as const) if (!posInt(r[k])) problems.push(`${k}: expected a positive integer, got ${showValue(r[k])}`);
  if (problems.length === 0) {
    const need = (r.channels as number) * (r.height as number) * (r.width as number);
    if ((r.data as Float32Array).length !== need) {
      problems.push(`data: has ${(r.data as Float32Array).length} values, but channels * height * width = ${need}`);
    }
  }
  return problems.length > 0 ? E.left(new ConfigError(problems, 'image')) : E.right(img as HostImage);
};

export const hostImage = (data: Float32Array, channels: number, height: number, width: number): HostImage =>
  Object.freeze({ data, channels, height, width });
