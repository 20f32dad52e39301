import type { CliIO } from './command.ts';

/**
 * Every `out`/`err` call is one message: the IO ends it with a newline, as console.log does,
 * so commands pass text without a trailing newline.
 */
export const processIO: CliIO = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

/** A CliIO that records messages, for tests. */
export interface MemoryIO extends CliIO {
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
}

export function memoryIO(): MemoryIO {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (text) => void stdout.push(text), err: (text) => void stderr.push(text) };
}
