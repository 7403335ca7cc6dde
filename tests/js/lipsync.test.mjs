// The viseme weights as a function of the audio clock (node's test runner; run by `make test`).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { VISEMES, visemeWeights } from '../../src/avatarium/web/static/sdk/lipsync.js';

const timeline = [
  { viseme: 'viseme_sil', startMs: 0, endMs: 100 },
  { viseme: 'viseme_aa', startMs: 100, endMs: 300 },
  { viseme: 'viseme_O', startMs: 300, endMs: 380 },
  { viseme: 'viseme_sil', startMs: 380, endMs: 600 },
];

test('the 15 Oculus visemes', () => {
  assert.equal(VISEMES.length, 15);
  assert.equal(new Set(VISEMES).size, 15);
});

test('a viseme is fully on in its middle and nothing else is', () => {
  const weights = visemeWeights(timeline, 200);
  assert.equal(weights.get('viseme_aa'), 1);
  assert.deepEqual([...weights.keys()], ['viseme_aa']);
});

test('neighbours cross at the scheduled boundary', () => {
  const at = visemeWeights(timeline, 300);
  assert.equal(at.get('viseme_aa'), 0.5);
  assert.equal(at.get('viseme_O'), 0.5);
  const before = visemeWeights(timeline, 290);
  assert.ok(before.get('viseme_aa') > before.get('viseme_O'));
  const after = visemeWeights(timeline, 310);
  assert.ok(after.get('viseme_O') > after.get('viseme_aa'));
});

test('weights change smoothly: no jump between frames 1 ms apart', () => {
  let previous = visemeWeights(timeline, 0);
  for (let ms = 1; ms <= 600; ms += 1) {
    const current = visemeWeights(timeline, ms);
    for (const name of new Set([...previous.keys(), ...current.keys()])) {
      assert.ok(Math.abs((current.get(name) ?? 0) - (previous.get(name) ?? 0)) < 0.05, `${name} at ${ms} ms`);
    }
    previous = current;
  }
});

test('silence is the mouth at rest', () => {
  assert.equal(visemeWeights(timeline, 20).size, 0);
  assert.equal(visemeWeights(timeline, 550).size, 0);
  assert.equal(visemeWeights([], 10).size, 0);
});
