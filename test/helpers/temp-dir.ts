import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A fresh folder `detailflow-<name>-XXXXXX` in the temp directory, removed after the test that
 * made it (or after the file, when made outside a test), whether the test passed or failed.
 */
export const tempDir = async (name: string): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), `detailflow-${name}-`));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
};
