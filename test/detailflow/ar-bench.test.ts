import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchSampleCommand, formatSampleBench, runSampleBench } from '../../src/cli/commands/bench-sample.ts';
import { useBackend } from '../../src/compile/backend.ts';

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
};

test('bench sample: runs all four variants on a tiny shape and reports passes, images/s and both ratios', async () => {
  await useBackend('cpu');
  const r = await runSampleBench({ backend: 'cpu', batch: 1, repeats: 1, warmup: 0, model: { tokens: 16, group: 4, causal: 4, width: 32, depth: 1, heads: 2, vocab: 32 } });
  assert.deepEqual([r.variants.a?.passes, r.variants.b?.passes, r.variants.c?.passes, r.variants.d?.passes], [7, 7, 16, 16]);
  assert.ok(Object.values(r.variants).every((v) => v.imagesPerSecond > 0));
  assert.ok((r.ratios.aOverC ?? 0) > 0 && (r.ratios.aOverD ?? 0) > 0);
  assert.match(formatSampleBench(r), /a\/c = [\d.]+ \(target >= 4/);
});

test('bench sample command: --json output, and flag problems listed with exit code 2', async () => {
  const ok = capture();
  const code = await benchSampleCommand.run(['--backend', 'cpu', '--json', '--batch', '1', '--warmup', '0', '--variants', 'a', '--tokens', '16', '--group', '4', '--width', '32', '--depth', '1', '--heads', '2', '--vocab', '32'], ok.io);
  assert.equal(code, 0, ok.err.join('\n'));
  const parsed = JSON.parse(ok.out.join(''));
  assert.equal(parsed.variants.a.passes, 7);
  const bad = capture();
  assert.equal(await benchSampleCommand.run(['--batch', '0', '--variants', 'a,x', '--cfg', '0.5', '--tokens', '30'], bad.io), 2);
  const text = bad.err.join('\n');
  for (const want of ['--batch must be an integer >= 1', '--variants', '--cfg must be >= 1', 'multiple of group']) assert.ok(text.includes(want), `${want} in ${text}`);
});
