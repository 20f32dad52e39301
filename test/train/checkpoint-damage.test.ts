import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointDamage } from '../../src/train/checkpoint-damage.ts';
import { encodeCheckpoint } from '../../src/train/checkpoint.ts';
import { hostArray } from '../../src/ir/host-array.ts';

const params = { w: hostArray(Float32Array.from({ length: 24 }, (_, i) => i), [4, 6]), b: hostArray(Float32Array.of(5, 6), [2]) };
const whole = encodeCheckpoint({ kind: 'demo', trees: { params }, meta: { state: { step: 7 } } });

test('a whole checkpoint is not damaged', () => {
  assert.equal(checkpointDamage(whole), undefined);
});

test('every proper prefix of a checkpoint is named truncated, with what it lacks', () => {
  for (let n = 0; n < whole.length; n++) {
    const d = checkpointDamage(whole.subarray(0, n));
    assert.equal(d?.kind, 'truncated', `cut to ${n} of ${whole.length} bytes: ${JSON.stringify(d)}`);
  }
  assert.deepEqual(checkpointDamage(whole.subarray(0, whole.length - 1)), { kind: 'truncated', detail: `${(whole.length - 1).toLocaleString('en-US')} of ${whole.length.toLocaleString('en-US')} bytes` });
  assert.match(checkpointDamage(whole.subarray(0, 20))!.detail, /^20 bytes; its header alone needs [\d,]+$/);
});

test('an unreadable header is named corrupt', () => {
  const garbled = whole.slice();
  garbled[8] = 0x78; // the header's '{'
  assert.equal(checkpointDamage(garbled)?.kind, 'corrupt');
  const noise = Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff);
  assert.deepEqual(checkpointDamage(noise)?.kind, 'corrupt');
  const longer = new Uint8Array(whole.length + 4);
  longer.set(whole);
  assert.equal(checkpointDamage(longer)?.kind, 'corrupt', 'trailing bytes are not a truncation');
});
