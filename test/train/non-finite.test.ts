// A NaN or Inf in any loss term stops the loop before that step's state is kept: the error names
// the term and the step, and the last checkpoint written stays the last good one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonFiniteLossError, trainLoop } from '../../src/train/loop.ts';

const run = (bad: { step: number; term: string; value: number }) => {
  const saved: number[] = [];
  const states: number[] = [];
  const done = trainLoop({
    start: 0, total: 10, state: 0, checkpointEvery: 2,
    step: async (s, i) => {
      const terms = { mse: 0.5, vq: 0.1, loss: 0.6 } as Record<string, number>;
      if (i === bad.step) terms[bad.term] = bad.value;
      return { state: s + 1, metrics: terms };
    },
    save: async (s, steps) => { saved.push(steps); states.push(s); return `ckpt@${steps}`; },
  });
  return { done, saved, states };
};

test('a non-finite loss term stops the run naming the term and the step; the last good checkpoint stays', async () => {
  for (const [term, value] of [['mse', NaN], ['vq', Infinity], ['loss', -Infinity]] as const) {
    const r = run({ step: 4, term, value });
    const err = await r.done.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof NonFiniteLossError, String(err));
    assert.deepEqual(err.terms, [term]);
    assert.equal(err.step, 4);
    assert.match(err.message, new RegExp(`^'${term}' = ${String(value).replace('+', '\\+')} at step 5: .*the last good checkpoint is ckpt@4`));
    // checkpoints after steps 2 and 4 only: the bad step's state was never saved
    assert.deepEqual(r.saved, [2, 4]);
    assert.deepEqual(r.states, [2, 4]);
  }
});

test('a run whose first step is non-finite says no checkpoint was written', async () => {
  const err = await run({ step: 0, term: 'mse', value: NaN }).done.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof NonFiniteLossError);
  assert.match(err.message, /^'mse' = NaN at step 1: .*no checkpoint was written yet/);
});

test('finite terms run to the end', async () => {
  const r = run({ step: 99, term: 'mse', value: NaN });
  assert.equal((await r.done).state, 10);
  assert.deepEqual(r.saved, [2, 4, 6, 8, 10]);
});
