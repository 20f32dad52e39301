import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

// One hook for the whole test file, registered when this module loads (so at the file's top
// level): a hook registered inside a `before` would run before the tests that use the folder.
const made: string[] = [];
after(() => Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true }))));

/**
 * A fresh folder `detailflow-<name>-XXXXXX` in the temp directory, removed when the test file
 * ends, whether its tests passed or failed.
 */
export const tempDir = async (name: string): Promise<string> => {
  const dir = await mkdtemp(path.join(tmpdir(), `detailflow-${name}-`));
  made.push(dir);
  return dir;
};
