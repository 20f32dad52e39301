// One trainer command in a process of its own, for tests that start and kill many trainer
// processes (test/cli/kill-resume.test.ts): the same command code `detailflow <command>` runs,
// without loading the other commands, so each start costs about half as much.
import { processIO } from '../../src/cli/io.ts';
import type { Command } from '../../src/cli/command.ts';

const commands: Record<string, () => Promise<Command>> = {
  'train-tokenizer': async () => (await import('../../src/cli/commands/train-tokenizer.ts')).trainTokenizerCommand,
  'train-ar': async () => (await import('../../src/cli/commands/train-ar.ts')).trainArCommand,
  'train-teacher': async () => (await import('../../src/cli/commands/train-teacher.ts')).trainTeacherCommand,
  'train-evaluator': async () => (await import('../../src/cli/commands/train-evaluator.ts')).trainEvaluatorCommand,
};

const [name, ...argv] = process.argv.slice(2);
const load = name === undefined ? undefined : commands[name];
if (!load) throw new Error(`train-child: expected one of ${Object.keys(commands).join(', ')}, got ${name}`);
process.exitCode = await (await load()).run(argv, processIO);
