/**
 * Random access to a file's bytes, platform-neutral. A checkpoint may be several gigabytes, most
 * of it tensors an importer skips, so readers ask for the ranges they need instead of the whole
 * file. `bytesSource` serves an in-memory file; platform edges provide file-backed sources.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes from `offset`; callers check the range against `size` first. */
  read(offset: number, length: number): Uint8Array;
}

export const bytesSource = (bytes: Uint8Array): ByteSource => ({
  size: bytes.length,
  read: (offset, length) => {
    if (offset < 0 || length < 0 || offset + length > bytes.length) throw new RangeError(`read [${offset}, ${offset + length}) is outside the ${bytes.length}-byte source`);
    return bytes.subarray(offset, offset + length);
  },
});
