// Run in a child process by hostile-files.test.ts: loads one model file through the CLI's loader
// and prints what happened, how long it took and the process's peak resident memory.
import { loadArModel, loadTeacher, loadTokenizer } from '../../src/cli/models.ts';
import { loadEvaluator } from '../../src/cli/evaluator-file.ts';

const [kind, file] = process.argv.slice(2) as [string, string];
const loaders: Record<string, (f: string) => Promise<unknown>> = { tokenizer: loadTokenizer, ar: loadArModel, teacher: loadTeacher, evaluator: loadEvaluator };
const t0 = performance.now();
let message = '';
try {
  await loaders[kind]!(file);
} catch (e) {
  message = e instanceof Error ? e.message : String(e);
}
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ message, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
