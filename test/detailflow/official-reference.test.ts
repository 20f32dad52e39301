// Parity with the official DetailFlow code: both shared fixtures, through the safetensors and the
// .pt route, on cpu, wasm and WebGPU (lavapipe). Reads ../shared/reference/fixtures beside the repo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkReferenceCommand } from '../../src/cli/commands/check-reference.ts';
import { installNodeWebGPU } from '../../src/platform/node-webgpu.ts';
import type { ReferenceReport } from '../../src/detailflow/official/compare.ts';

const fixtures = path.resolve(import.meta.dirname, '../../../shared/reference/fixtures');
const fx = (f: string) => path.join(fixtures, f);

const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  try {
    const code = await checkReferenceCommand.run(argv, { out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; } });
    return { code, out, err };
  } catch (e) {
    // the CLI edge (dispatch) prints a thrown error's message and exits 1
    return { code: 1, out, err: err + (e as Error).message };
  }
};

const expectParity = async (argv: string[], outputs: number) => {
  const r = await run([...argv, '--json']);
  assert.equal(r.err, '');
  const report = JSON.parse(r.out) as ReferenceReport;
  const bad = report.outputs.filter((o) => !o.ok);
  assert.deepEqual(bad, [], `outputs off: ${JSON.stringify(bad)}`);
  assert.equal(report.outputs.length, outputs, 'every fixture.out.* tensor is compared');
  assert.equal(r.code, 0);
  assert.ok(report.ok);
  return report;
};

for (const backend of ['cpu', 'wasm', 'webgpu']) {
  test(`tokenizer parity on ${backend}: safetensors and .pt weights`, async () => {
    if (backend === 'webgpu') assert.ok((await installNodeWebGPU()).ok, 'WebGPU (lavapipe) is required');
    const a = await expectParity([fx('tok-tiny-p8.safetensors'), '--backend', backend], 33);
    assert.ok(a.outputs.find((o) => o.name === 'codes')?.kind === 'exact');
    const b = await expectParity([fx('tok-tiny-p8.safetensors'), '--pt', fx('tok-tiny-p8.pt'), '--backend', backend], 33);
    assert.deepEqual(b.outputs.map((o) => o.maxAbsDiff), a.outputs.map((o) => o.maxAbsDiff), 'the .pt weights are the same weights');
  });
  test(`GPT parity on ${backend}: safetensors and .pt (EMA) weights`, async () => {
    if (backend === 'webgpu') assert.ok((await installNodeWebGPU()).ok, 'WebGPU (lavapipe) is required');
    await expectParity([fx('ar-tiny-g4.safetensors'), '--backend', backend], 9);
    await expectParity([fx('ar-tiny-g4.safetensors'), '--pt', fx('ar-tiny-g4.pt'), '--ema', '--backend', backend], 9);
  });
}

test('check-reference fails loudly: a non-fixture, and weights that do not fit', async () => {
  const notFixture = await run([fx('tok-tiny-p8.pt')]);
  assert.equal(notFixture.code, 1);
  const mixed = await run([fx('tok-tiny-p8.safetensors'), '--pt', fx('ar-tiny-g4.pt'), '--backend', 'cpu']);
  assert.equal(mixed.code, 1);
  assert.match(mixed.err, /missing \(or of another rank\)/);
  const noKey = await run([fx('ar-tiny-g4.safetensors'), '--pt', fx('tok-tiny-p8.pt'), '--ema', '--backend', 'cpu']);
  assert.match(noKey.err, /no 'ema' key; its keys are: model/);
});
