/**
 * Whole-buffer (de)compression over the web-standard CompressionStream and DecompressionStream,
 * which Node 18+, Deno and browsers all have: no zlib binding, so this runs everywhere.
 * 'deflate' is the zlib format (RFC 1950) that PNG's IDAT uses; 'gzip' is what .gz files hold.
 */
import * as E from 'fp-ts/lib/Either.js';

export type CompressionFormat = 'deflate' | 'gzip';

const concat = (chunks: readonly Uint8Array[], total: number): Uint8Array => {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
};

/**
 * Pushes `input` through a transform stream and collects what comes out, stopping early once
 * more than `limit` bytes came out (so a small bomb cannot fill memory). Never throws: a stream
 * error comes back as Left with its message.
 */
const pump = async (
  stream: TransformStream<Uint8Array, Uint8Array>, input: Uint8Array, limit: number,
): Promise<E.Either<string, Uint8Array>> => {
  const writer = stream.writable.getWriter();
  // Written concurrently with the reads below: a stream with backpressure stalls otherwise.
  const writing = writer.write(input).then(() => writer.close());
  writing.catch(() => undefined); // its failure is reported by the reader
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return E.left(`it expands to more than ${limit} bytes`);
      }
    }
    await writing;
  } catch (e) {
    return E.left(e instanceof Error ? e.message : String(e));
  }
  return E.right(concat(chunks, total));
};

/** Decompresses a whole buffer; Left names what went wrong (corrupt or truncated data, too large). */
export const decompress = (
  bytes: Uint8Array, format: CompressionFormat, limit = Number.MAX_SAFE_INTEGER,
): Promise<E.Either<string, Uint8Array>> =>
  pump(new DecompressionStream(format) as TransformStream<Uint8Array, Uint8Array>, bytes, limit);

export const compress = async (bytes: Uint8Array, format: CompressionFormat): Promise<Uint8Array> => {
  const out = await pump(new CompressionStream(format) as TransformStream<Uint8Array, Uint8Array>, bytes, Number.MAX_SAFE_INTEGER);
  if (E.isLeft(out)) throw new Error(`${format} compression failed: ${out.left}`);
  return out.right;
};

/** gzip's magic number: 1f 8b. */
export const isGzip = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export const gunzip = (bytes: Uint8Array, limit?: number): Promise<E.Either<string, Uint8Array>> =>
  decompress(bytes, 'gzip', limit);

/** Gunzips gzip data and passes anything else through unchanged. */
export const maybeGunzip = async (bytes: Uint8Array, limit?: number): Promise<E.Either<string, Uint8Array>> =>
  isGzip(bytes) ? gunzip(bytes, limit) : E.right(bytes);
