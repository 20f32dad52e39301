import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeIdx } from '../../src/data/idx.ts';
import { idxFileNames } from '../../src/data/fashion-mnist.ts';
import { keyFromSeed, uniformHost } from '../../src/random/key.ts';
import { tempDir } from './temp-dir.ts';

/** A small MNIST-format dataset on disk (28x28 grey blobs, 10 classes), for CLI runs in tests. */
export const tinyIdxDir = async (count = 64): Promise<string> => {
  const dir = await tempDir('idx');
  for (const split of ['train', 'test'] as const) {
    const u = uniformHost(keyFromSeed(split === 'train' ? 1 : 2), count * 3);
    const pixels = new Uint8Array(count * 28 * 28);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const cx = 6 + u[3 * i] * 16;
      const cy = 6 + u[3 * i + 1] * 16;
      labels[i] = Math.floor(u[3 * i + 2] * 10);
      const r = 3 + labels[i] / 2;
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) pixels[i * 784 + y * 28 + x] = 100 + 15 * labels[i];
      }
    }
    await writeFile(path.join(dir, idxFileNames[split].images), encodeIdx({ dims: [count, 28, 28], data: pixels }));
    await writeFile(path.join(dir, idxFileNames[split].labels), encodeIdx({ dims: [count], data: labels }));
  }
  return dir;
};
