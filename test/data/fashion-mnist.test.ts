import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from 'fp-ts/lib/Either.js';
import { imageAt } from '../../src/data/dataset.ts';
import { fashionMnistClasses, fashionMnistCounts, fashionMnistDefaultDir } from '../../src/data/fashion-mnist.ts';
import { loadIdxDataset } from '../../src/platform/load-dataset.ts';

// The real dataset (apt-get install dataset-fashion-mnist; .ci/install-system installs it).
// Each split is parsed once, and every check reads that one value.
for (const split of ['train', 'test'] as const) {
  test(`Fashion-MNIST ${split}: ${fashionMnistCounts[split]} images of 1x32x32 in [-1, 1], labels 0..9`, async () => {
    const r = await loadIdxDataset(fashionMnistDefaultDir, split);
    assert.ok(E.isRight(r), E.isLeft(r) ? r.left.message : '');
    const ds = r.right;
    assert.deepEqual([ds.count, ds.channels, ds.height, ds.width], [fashionMnistCounts[split], 1, 32, 32]);
    assert.equal(ds.images.length, ds.count * 32 * 32);
    assert.deepEqual(ds.classes, fashionMnistClasses);
    let lo = Infinity;
    let hi = -Infinity;
    const images = ds.images;
    for (let i = 0; i < images.length; i++) { const v = images[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
    assert.deepEqual([lo, hi], [-1, 1], 'bytes 0 and 255 both occur');
    const perClass = new Array<number>(10).fill(0);
    for (const l of ds.labels) perClass[l]!++;
    assert.deepEqual(perClass, new Array(10).fill(ds.count / 10), 'Fashion-MNIST is balanced');
    for (let i = 0; i < ds.count; i += 997) {
      const im = imageAt(ds, i);
      for (let k = 0; k < 32; k++) {
        for (const at of [k, 32 + k, 31 * 32 + k, k * 32, k * 32 + 1, k * 32 + 31]) assert.equal(im[at], -1, 'the 2-pixel border is background');
      }
    }
  });
}
