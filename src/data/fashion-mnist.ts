/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28x28 grey clothing images in 10 classes,
 * 60000 for training and 10000 for testing, as four IDX files. Debian's dataset-fashion-mnist
 * package puts them (gzipped) in the default directory below.
 */
import type * as E from 'fp-ts/lib/Either.js';
import { fromIdxBytes, type Dataset } from './dataset.ts';
import type { DataError } from './errors.ts';

export const fashionMnistClasses = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const);

export const fashionMnistDefaultDir = '/usr/share/datasets/fashion-mnist';

export type Split = 'train' | 'test';

/** IDX file names without the optional .gz. */
export const idxFileNames: Readonly<Record<Split, { readonly images: string; readonly labels: string }>> = Object.freeze({
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
});

export const fashionMnistCounts: Readonly<Record<Split, number>> = Object.freeze({ train: 60000, test: 10000 });

/** Pixel side after padding: 28 padded to 32, a power of two for the tokenizer. */
export const fashionMnistSide = 32;

/** What to tell someone whose dataset is missing. */
export const fashionMnistHowToGet =
  'install it with `apt-get install dataset-fashion-mnist` (it goes to /usr/share/datasets/fashion-mnist), or pass --data DIR with the four IDX files (gzipped or not)';

/** Fashion-MNIST from the contents of its IDX files (gzipped or not): 1x32x32 images in [-1, 1]. */
export const fashionMnistFromBytes = (images: Uint8Array, labels: Uint8Array): Promise<E.Either<DataError, Dataset>> =>
  fromIdxBytes(images, labels, { padTo: fashionMnistSide, classes: fashionMnistClasses });
