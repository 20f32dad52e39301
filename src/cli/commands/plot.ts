import * as E from 'fp-ts/lib/Either.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { flagProblems, intFlag, outputProblems } from '../common.ts';
import { RunError } from '../training-run.ts';
import { writeFileAtomic } from '../../platform/files.ts';
import { encodePng } from '../../io/png.ts';
import { plotPanels, type Series } from '../../io/line-plot.ts';

const usage = `detailflow plot LOG.jsonl [LOG2.jsonl ...] --out FILE.png [--keys K1,K2,...] [--smooth N] [--log] [--title T]

Draws a training run's JSONL log (train-tokenizer, train-ar, ...) as a PNG: one panel per metric,
step on the x axis, the raw values light and their moving average over --smooth N steps (default
about 1/50 of the run) dark. Several logs are one run in phases (e.g. a run continued with --init):
each later log's steps follow the previous log's last step. --keys picks the metrics (default:
loss and mse, or every metric the log has when it has neither); --log plots log10 of the values.`;

const parseLog = (text: string, file: string): Record<string, number>[] => {
  const lines = text.split('\n');
  // a run killed mid-write leaves its last line (before the final newline, if any) cut off
  const last = lines.length - (lines[lines.length - 1] === '' ? 2 : 1);
  return lines.flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      const row = JSON.parse(line) as unknown;
      return typeof row === 'object' && row !== null && typeof (row as { step?: unknown }).step === 'number' ? [row as Record<string, number>] : [];
    } catch {
      if (i === last) return [];
      throw new RunError(`${file}: line ${i + 1} is not JSON; pass a run's log.jsonl`);
    }
  });
};

export const plotCommand: Command = {
  name: 'plot',
  summary: 'draw a training log (log.jsonl) as a PNG of loss curves',
  usage,
  run: async (argv, io) => {
    const files = argv.filter((a, i) => !a.startsWith('--') && (i === 0 || !['--out', '--keys', '--smooth', '--title'].includes(argv[i - 1])));
    const flags = parseFlags(argv.filter((a) => !files.includes(a)), { out: 'string', keys: 'string', smooth: 'number', log: 'boolean', title: 'string' });
    if (E.isLeft(flags)) return flagProblems(io, 'plot', flags.left, usage);
    const f = flags.right;
    const problems = [
      ...(files.length === 0 ? ['give at least one log file (a run\'s log.jsonl)'] : []),
      ...(f.out === undefined ? ['--out FILE.png is required'] : []),
      ...intFlag('smooth', f.smooth, 1),
      ...(f.out === undefined ? [] : await outputProblems({ out: f.out })),
    ];
    if (problems.length) return flagProblems(io, 'plot', problems, usage);
    const rows: Record<string, number>[] = [];
    for (const file of files) {
      const text = await readFile(path.resolve(file), 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new RunError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}; pass a run's log.jsonl`);
      });
      const offset = rows.length ? rows[rows.length - 1].step : 0;
      rows.push(...parseLog(text, file).map((r) => ({ ...r, step: r.step + offset })));
    }
    if (rows.length === 0) throw new RunError(`${files.join(', ')}: no logged step; pass a run's log.jsonl`);
    const have = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'step');
    const keys = f.keys?.split(',').map((k) => k.trim()).filter(Boolean) ?? (['loss', 'mse'].filter((k) => have.includes(k)).length ? ['loss', 'mse'].filter((k) => have.includes(k)) : have);
    const missing = keys.filter((k) => !have.includes(k));
    if (missing.length) return flagProblems(io, 'plot', [`--keys: the log has no ${missing.join(', ')} (it has ${have.join(', ')})`], usage);
    const series: Series[] = keys.map((k) => ({ name: k, points: rows.filter((r) => typeof r[k] === 'number').map((r) => ({ x: r.step, y: r[k] })) }));
    const image = plotPanels(series, { smooth: f.smooth ?? Math.max(1, Math.round(rows.length / 50)), logY: f.log ?? false, ...(f.title ? { title: f.title } : {}) });
    const w = await writeFileAtomic(path.resolve(f.out as string), await encodePng(image));
    if (E.isLeft(w)) throw new RunError(w.left.message);
    io.out(`plot: ${keys.join(', ')} over ${rows.length} steps of ${files.length} log${files.length > 1 ? 's' : ''}; wrote ${f.out}`);
    return 0;
  },
};
