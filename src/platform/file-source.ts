/**
 * A file as a ByteSource (Node): reads the ranges asked for with positioned reads, so a
 * multi-gigabyte checkpoint is never held in memory whole.
 */
import * as fs from 'node:fs';
import type { ByteSource } from '../io/pytorch/byte-source.ts';

export interface FileSource extends ByteSource {
  close(): void;
}

export const openFileSource = (path: string): FileSource => {
  const fd = fs.openSync(path, 'r');
  const size = fs.fstatSync(fd).size;
  return {
    size,
    read: (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > size) throw new RangeError(`read [${offset}, ${offset + length}) is outside ${path} (${size} bytes)`);
      const out = new Uint8Array(length);
      for (let done = 0; done < length;) {
        const n = fs.readSync(fd, out, done, length - done, offset + done);
        if (n <= 0) throw new RangeError(`${path} ended early at ${offset + done}`);
        done += n;
      }
      return out;
    },
    close: () => fs.closeSync(fd),
  };
};
