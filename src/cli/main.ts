/**
 * The CLI edge: `detailflow <command> [flags]`. Commands return exit codes; this is the one place
 * that turns thrown errors into a message and sets process.exitCode.
 */
import type { CliIO, Command } from './command.ts';
import { processIO } from './io.ts';
import { runWithDawnFiltered, wantsDawnFilter } from './quiet-dawn.ts';
import { preferBackend } from '../compile/backend.ts';
import { backendFromEnv } from '../compile/backend-env.ts';
import { benchCommand } from './commands/bench.ts';
import { doctorCommand } from './commands/doctor.ts';
import { scheduleCommand } from './commands/schedule.ts';
import { trainTeacherCommand } from './commands/train-teacher.ts';
import { trainTokenizerCommand } from './commands/train-tokenizer.ts';
import { reconstructCommand } from './commands/reconstruct.ts';
import { exportCommand } from './commands/export.ts';
import { extractCodesCommand } from './commands/extract-codes.ts';
import { trainArCommand } from './commands/train-ar.ts';
import { sampleCommand } from './commands/sample.ts';
import { demoCommand } from './commands/demo.ts';
import { trainEvaluatorCommand } from './commands/train-evaluator.ts';
import { evalCommand } from './commands/eval.ts';
import { compareCommand } from './commands/compare.ts';
import { checkReferenceCommand } from './commands/check-reference.ts';
import { importCommand } from './commands/import.ts';
import { sampleOfficialCommand } from './commands/sample-official.ts';
import { reconstructOfficialCommand } from './commands/reconstruct-official.ts';
import { exportOnnxCommand } from './commands/export-onnx.ts';
import { plotCommand } from './commands/plot.ts';

export const commands: readonly Command[] = [demoCommand, doctorCommand, scheduleCommand, trainTeacherCommand, trainTokenizerCommand, reconstructCommand, extractCodesCommand, trainArCommand, sampleCommand, trainEvaluatorCommand, evalCommand, compareCommand, exportCommand, benchCommand, checkReferenceCommand, importCommand, sampleOfficialCommand, reconstructOfficialCommand, exportOnnxCommand, plotCommand];

const USAGE_ERROR = 2;

export function helpText(table: readonly Command[]): string {
  const width = Math.max(...table.map((c) => c.name.length));
  return [
    'detailflow: DetailFlow on a functional immutable-graph DSL, run on WebGPU, Wasm or CPU',
    '',
    'Usage: detailflow <command> [flags]',
    '',
    'Commands:',
    ...table.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'detailflow help <command>' for its flags. DETAILFLOW_DEBUG=1 prints stack traces of errors.",
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  return `detailflow ${cmd.name}: ${cmd.summary}\n\n${cmd.usage}`;
}

function unknownCommand(name: string, table: readonly Command[], io: CliIO): number {
  io.err(`detailflow: unknown command '${name}'. Commands: ${table.map((c) => c.name).join(', ')}. See 'detailflow --help'.`);
  return USAGE_ERROR;
}

const isHelpFlag = (a: string): boolean => a === '--help' || a === '-h';

/** Runs one command line against a command table; returns the exit code and never throws. */
export async function dispatch(
  argv: readonly string[],
  io: CliIO,
  table: readonly Command[] = commands,
  debug = process.env['DETAILFLOW_DEBUG'] === '1',
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(helpText(table));
    return USAGE_ERROR;
  }
  if (isHelpFlag(first) || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic === undefined) {
      io.out(helpText(table));
      return 0;
    }
    const cmd = table.find((c) => c.name === topic);
    if (!cmd) return unknownCommand(topic, table, io);
    io.out(commandHelp(cmd));
    return 0;
  }
  const cmd = table.find((c) => c.name === first);
  if (!cmd) return unknownCommand(first, table, io);
  if (rest.some(isHelpFlag)) {
    io.out(commandHelp(cmd));
    return 0;
  }
  try {
    // DETAILFLOW_BACKEND: the backend when --backend is not given, read here at the edge.
    preferBackend(backendFromEnv(process.env));
    return await cmd.run(rest, io);
  } catch (e) {
    // GraphError and ConfigError messages already name the op or field, so the message is enough.
    const message = e instanceof Error ? e.message : String(e);
    io.err(`detailflow ${cmd.name}: ${message}`);
    if (debug && e instanceof Error && e.stack) io.err(e.stack);
    return 1;
  }
}

/** Entry point used by bin/detailflow.mjs (a command that loads Dawn runs in a child: quiet-dawn.ts). */
export async function main(argv: readonly string[] = process.argv.slice(2), io: CliIO = processIO): Promise<void> {
  process.exitCode = io === processIO && wantsDawnFilter(argv) ? await runWithDawnFiltered(argv) : await dispatch(argv, io);
}
