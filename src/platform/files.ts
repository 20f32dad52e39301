/**
 * Node-only file edges: reading with messages that say what to do, and writes that never leave a
 * half-written file under the target's name (write a temporary file in the same directory, fsync
 * it, rename it over the target, fsync the directory). A crash at any point leaves either the old
 * file or the new one, complete.
 */
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { ProblemsError } from '../io/problems.ts';

export class FileError extends ProblemsError {
  constructor(problems: readonly string[], title = 'file error') {
    super(title, problems);
    this.name = 'FileError';
  }
}

const codeOf = (e: unknown): string => (typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '');
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One readable sentence for a failed file call on `p`. */
const describe = (e: unknown, verb: string, p: string, hint?: string): string => {
  const abs = path.resolve(p);
  switch (codeOf(e)) {
    case 'ENOENT': return `there is no file at ${abs}: ${hint ?? 'check the path'}`;
    case 'EISDIR': return `${abs} is a directory, not a file`;
    case 'ENOTDIR': return `a part of ${abs} is a file, not a directory`;
    case 'EACCES': case 'EPERM': return `permission denied ${verb} ${abs}`;
    case 'ENOSPC': return `no space left on the device ${verb} ${abs}`;
    default: return `${verb} ${abs} failed: ${messageOf(e)}`;
  }
};

/**
 * The whole file as a plain Uint8Array. `hint` says what to do when it is missing
 * (e.g. "train a tokenizer first, or pass --checkpoint FILE").
 */
export const readFileBytes = async (p: string, hint?: string): Promise<E.Either<FileError, Uint8Array>> => {
  try {
    const buf = await fs.readFile(p);
    return E.right(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  } catch (e) {
    return E.left(new FileError([describe(e, 'reading', p, hint)], 'cannot read file'));
  }
};

/**
 * Test seam: called after each step of a write, so tests can stop the process between steps
 * ('temp-opened': the temporary file exists, still empty).
 */
export type WriteStage = 'temp-opened' | 'temp-written' | 'previous-kept' | 'renamed';
export interface WriteOptions {
  readonly onStage?: (stage: WriteStage, tempPath: string) => void | Promise<void>;
}

const tempName = (target: string): string =>
  path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);

/**
 * What a file name says when it is one of this module's temporary names (`tempName`): the base
 * name of the file it was written for, and the process that made it. Anything else: undefined.
 */
export const temporaryFileOf = (name: string): { readonly base: string; readonly pid: number } | undefined => {
  const m = /^\.(.+)\.(\d+)\.[0-9a-z]{0,8}\.tmp$/.exec(name);
  return m ? { base: m[1]!, pid: Number(m[2]) } : undefined;
};

const writeSynced = async (p: string, bytes: Uint8Array, opened?: () => void | Promise<void>): Promise<void> => {
  const handle = await fs.open(p, 'wx'); // a fresh name: never write through someone else's file
  try {
    await opened?.();
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
};

/** Makes a rename durable; some systems cannot open directories, and then there is nothing to do. */
const syncDir = async (dir: string): Promise<void> => {
  const handle = await fs.open(dir, constants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try { await handle.sync(); } catch { /* not supported here */ } finally { await handle.close(); }
};

const exists = (p: string): Promise<boolean> => fs.access(p).then(() => true, () => false);

/** Keeps a second name for `from` at `to`: a hard link when possible (instant), a synced copy otherwise. */
const keepCopy = async (from: string, to: string): Promise<void> => {
  const staging = tempName(to);
  try {
    await fs.link(from, staging);
  } catch {
    await fs.copyFile(from, staging, constants.COPYFILE_EXCL);
    const h = await fs.open(staging, 'r+');
    try { await h.sync(); } finally { await h.close(); }
  }
  await fs.rename(staging, to);
};

const atomically = async (
  target: string, bytes: Uint8Array, keepPrevious: string | undefined, options: WriteOptions,
): Promise<E.Either<FileError, void>> => {
  const dir = path.dirname(target);
  const temp = tempName(target);
  let step = 'creating the directory of';
  try {
    await makeDirs(dir);
    step = 'writing a temporary file for';
    await writeSynced(temp, bytes, () => options.onStage?.('temp-opened', temp));
    await options.onStage?.('temp-written', temp);
    if (keepPrevious !== undefined && (await exists(target))) {
      step = 'keeping the previous version of';
      await keepCopy(target, keepPrevious);
      await options.onStage?.('previous-kept', temp);
    }
    step = 'renaming the temporary file over';
    await fs.rename(temp, target);
    await syncDir(dir);
    await options.onStage?.('renamed', temp);
    return E.right(undefined);
  } catch (e) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    return E.left(new FileError([describe(e, step, target)], 'cannot write file'));
  }
};

/** Writes `bytes` to `p` atomically: readers see the old content or the new, never a mix. */
export const writeFileAtomic = (p: string, bytes: Uint8Array, options: WriteOptions = {}): Promise<E.Either<FileError, void>> =>
  atomically(p, bytes, undefined, options);

export interface Rotated {
  /** Where the new checkpoint is. */
  readonly path: string;
  /** Where the one before it is kept, when there was one. */
  readonly previous: string | undefined;
}

/**
 * Writes checkpoint `dir/name` atomically and keeps the checkpoint it replaces as `dir/name.prev`.
 * The new bytes are complete and synced before anything else moves; then the old checkpoint gets
 * its second name, then the new one takes the first. So `dir/name` always holds a complete
 * checkpoint, and `.prev` the one before once a rotation has finished.
 */
export const rotateCheckpoint = async (
  dir: string, name: string, bytes: Uint8Array, options: WriteOptions = {},
): Promise<E.Either<FileError, Rotated>> => {
  const target = path.join(dir, name);
  const prev = `${target}.prev`;
  const hadOne = await exists(target);
  const written = await atomically(target, bytes, prev, options);
  return E.map(() => ({ path: target, previous: hadOne ? prev : undefined }))(written);
};

/**
 * `mkdir -p` that cannot hang: each missing folder is made on its own, from the deepest one that
 * exists down. (Node's recursive mkdir never settles where the kernel refuses a folder with
 * ENOENT under an existing parent, e.g. /proc/x: it retries the parent forever on one core.)
 */
export const makeDirs = async (dir: string): Promise<void> => {
  const missing: string[] = [];
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const found = await fs.stat(at).then(() => true, (e: unknown) => {
      if (codeOf(e) === 'ENOENT') return false;
      throw e;
    });
    if (found) break;
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const d of missing.reverse()) {
    await fs.mkdir(d).catch((e: unknown) => {
      if (codeOf(e) === 'EEXIST') return;
      // ENOENT under a parent that exists: this file system does not take new folders there
      throw codeOf(e) === 'ENOENT' ? Object.assign(new Error(`${path.dirname(d)} does not accept new folders`), { code: 'EREFUSED' }) : e;
    });
  }
};

/** How long a writability probe may take: a local disk answers in milliseconds, a hung mount never. */
const PROBE_TIMEOUT_MS = 10_000;

/** Creates `dir` if needed and proves that files can be written there (a probe file, removed again), within a time bound. */
export const checkWritableDir = async (dir: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<E.Either<FileError, void>> => {
  let step = 'creating the directory';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const probe = async (): Promise<E.Either<FileError, void>> => {
    await makeDirs(dir);
    step = 'writing into';
    const file = tempName(path.join(dir, 'probe'));
    await fs.writeFile(file, '');
    await fs.rm(file, { force: true });
    return E.right(undefined);
  };
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs);
  });
  try {
    return await Promise.race([probe(), late]);
  } catch (e) {
    return E.left(new FileError([`${describe(e, step, dir)}; choose another folder`], 'cannot write there'));
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Checks an output file before any work: its folder is made if needed and probed, and the path
 * is not itself a folder. Returns the problem as one line, or nothing.
 */
export const checkOutputFile = async (file: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<E.Either<FileError, void>> => {
  const abs = path.resolve(file);
  const isDir = await fs.stat(abs).then((st) => st.isDirectory(), () => false);
  if (isDir) return E.left(new FileError([`${abs} is a directory, not a file`], 'cannot write there'));
  return checkWritableDir(path.dirname(abs), timeoutMs);
};
