/**
 * Node edges that read datasets from disk: IDX files (Fashion-MNIST and its family) and folders
 * of PNGs. Parsing is platform-neutral (src/data, src/io); this only finds and reads files, and
 * names the paths in every error, with how to get the data when it is missing.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { fromIdxBytes, makeDataset, type Dataset, type IdxOptions } from '../data/dataset.ts';
import { DataError } from '../data/errors.ts';
import { fashionMnistClasses, fashionMnistDefaultDir, fashionMnistHowToGet, fashionMnistSide, idxFileNames, type Split } from '../data/fashion-mnist.ts';
import { decodePng, type PngImage } from '../io/png.ts';
import { capProblems } from '../io/problems.ts';

const isFile = (p: string): Promise<boolean> => fs.stat(p).then((s) => s.isFile(), () => false);
const isDir = (p: string): Promise<boolean> => fs.stat(p).then((s) => s.isDirectory(), () => false);

/** `name.gz` when present, else `name`, else undefined. */
const findIdx = async (dir: string, name: string): Promise<string | undefined> => {
  for (const p of [path.join(dir, `${name}.gz`), path.join(dir, name)]) if (await isFile(p)) return p;
  return undefined;
};

const readBytes = async (p: string): Promise<Uint8Array> => {
  const b = await fs.readFile(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

/**
 * One split of an IDX dataset in `dir` (default: Fashion-MNIST's Debian location), padded to
 * 32x32 with Fashion-MNIST's class names unless options say otherwise.
 */
export const loadIdxDataset = async (
  dir: string = fashionMnistDefaultDir, split: Split = 'train',
  options: IdxOptions = { padTo: fashionMnistSide, classes: fashionMnistClasses },
): Promise<E.Either<DataError, Dataset>> => {
  const abs = path.resolve(dir);
  const names = idxFileNames[split];
  if (!(await isDir(abs))) return E.left(new DataError([`there is no dataset directory at ${abs}: ${fashionMnistHowToGet}`]));
  const [images, labels] = await Promise.all([findIdx(abs, names.images), findIdx(abs, names.labels)]);
  if (!images || !labels) {
    const missing = [images ? [] : [names.images], labels ? [] : [names.labels]].flat().map((n) => `${n}(.gz)`);
    return E.left(new DataError([`${abs} has no ${missing.join(' or ')} for the ${split} split: ${fashionMnistHowToGet}`]));
  }
  try {
    const [ib, lb] = await Promise.all([readBytes(images), readBytes(labels)]);
    const ds = await fromIdxBytes(ib, lb, options);
    // fromIdxBytes prefixes problems with 'images:' or 'labels:'; name the files instead
    return E.mapLeft((e: DataError) => new DataError(
      e.problems.map((p) => p.replace(/^images: /, `${images}: `).replace(/^labels: /, `${labels}: `)),
      abs,
    ))(ds);
  } catch (e) {
    return E.left(new DataError([`reading ${abs} failed: ${e instanceof Error ? e.message : String(e)}`]));
  }
};

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Drops an alpha channel: generative datasets here are grey or RGB. */
const withoutAlpha = (im: PngImage): PngImage => {
  if (im.channels === 1 || im.channels === 3) return im;
  const c = im.channels - 1;
  const data = new Uint8Array(im.width * im.height * c);
  for (let i = 0; i < im.width * im.height; i++) for (let k = 0; k < c; k++) data[i * c + k] = im.data[i * im.channels + k]!;
  return { ...im, channels: c as 1 | 3, data };
};

/**
 * A dataset from `dir/<class>/<image>.png`: classes are the subfolder names (sorted), images in
 * each folder sorted by name. All images must share width, height and channels (alpha is
 * dropped); every mismatch and unreadable file is listed.
 */
export const loadPngFolder = async (dir: string): Promise<E.Either<DataError, Dataset>> => {
  const abs = path.resolve(dir);
  const fail = (problems: string[]) => E.left(new DataError(capProblems(problems), abs));
  if (!(await isDir(abs))) return fail([`there is no directory at ${abs}; expected one subfolder of PNG images per class`]);
  const entries = await fs.readdir(abs, { withFileTypes: true });
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint);
  if (classes.length === 0) return fail(['it has no subfolders; expected one subfolder of PNG images per class (the folder name is the class)']);
  const files: { file: string; label: number }[] = [];
  const problems: string[] = [];
  for (const [label, cls] of classes.entries()) {
    const names = (await fs.readdir(path.join(abs, cls))).filter((n) => n.toLowerCase().endsWith('.png')).sort(byCodePoint);
    if (names.length === 0) problems.push(`class folder ${cls}/ has no .png files`);
    files.push(...names.map((n) => ({ file: path.join(cls, n), label })));
  }
  const images: { file: string; label: number; image: PngImage }[] = [];
  for (const f of files) {
    const bytes = await readBytes(path.join(abs, f.file)).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (bytes instanceof Error) { problems.push(`${f.file}: ${bytes.message}`); continue; }
    const decoded = await decodePng(bytes);
    if (E.isLeft(decoded)) problems.push(`${f.file}: ${decoded.left.problems.join('; ')}`);
    else images.push({ ...f, image: withoutAlpha(decoded.right) });
  }
  const first = images[0];
  const shapeOf = (im: PngImage) => `${im.width}x${im.height} with ${im.channels} channel${im.channels === 1 ? '' : 's'}`;
  for (const { file, image } of images) {
    if (first && (image.width !== first.image.width || image.height !== first.image.height || image.channels !== first.image.channels)) {
      problems.push(`${file} is ${shapeOf(image)}, but ${first.file} is ${shapeOf(first.image)}`);
    }
  }
  if (problems.length > 0 || !first) return fail(problems.length > 0 ? problems : ['no images']);
  const { width, height, channels } = first.image;
  const plane = width * height;
  const out = new Float32Array(images.length * channels * plane);
  images.forEach(({ image }, i) => {
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < channels; c++) out[(i * channels + c) * plane + p] = image.data[p * channels + c]! / 127.5 - 1;
    }
  });
  const labels = Int32Array.from(images, (im) => im.label);
  return makeDataset({ images: out, labels, count: images.length, channels, height, width, classes });
};
