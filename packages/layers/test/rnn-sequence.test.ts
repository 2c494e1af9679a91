/**
 * The fused RNN sequence op (src/rnn-sequence.ts), tanh and relu, against the same layer written with
 * tensor ops: output and first-order gradients (its own backward loop) in float64, both directions;
 * finite differences to first and second order on random small shapes (relu away from its kink);
 * float32 against float64; NaN propagation; relu'(0) = 0; the shape and dtype errors.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import { gradcheck, gradgradcheck, gradients, Generator, randn, tensor, type Tensor } from '@nn/autograd';
import { rnnSequence, rnnSequenceOps } from '../src/rnn-sequence.js';
import { close, leaf } from './sequence-test-helpers.js';

/** Random inputs of one RNN direction: xp [T, N, H], whh [H, H], bhh [H], h0 [N, H]. */
function inputs(steps: number, batch: number, hidden: number, seed: number, dtype: 'float32' | 'float64' = 'float64'): Tensor[] {
  const rng = new Generator(seed);
  return [
    randn([steps, batch, hidden], { dtype, rng }).mul(1.5),
    randn([hidden, hidden], { dtype, rng }).mul(0.7),
    randn([hidden], { dtype, rng }).mul(0.5),
    randn([batch, hidden], { dtype, rng }),
  ];
}

const names = ['xp', 'whh', 'bhh', 'h0'];

/** Whether some pre-activation of the run lies within `margin` of relu's kink (finite differences would cross it). */
function nearKink(a: Tensor[], reverse: boolean, margin: number): boolean {
  const [xp, whh, bhh, h0] = a as [Tensor, Tensor, Tensor, Tensor];
  const [steps, batch, hidden] = xp.shape as [number, number, number];
  const hs = rnnSequence(xp, whh, bhh, h0, reverse, true).data();
  const x = xp.data();
  const w = whh.data();
  const b = bhh.data();
  const first = h0.data();
  for (let k = 0; k < steps; k++) {
    const t = reverse ? steps - 1 - k : k;
    const previous = k === 0 ? null : reverse ? t + 1 : t - 1;
    for (let n = 0; n < batch; n++) for (let j = 0; j < hidden; j++) {
      let pre = x[(t * batch + n) * hidden + j]! + b[j]!;
      for (let i = 0; i < hidden; i++) pre += w[j * hidden + i]! * (previous === null ? first[n * hidden + i]! : hs[(previous * batch + n) * hidden + i]!);
      if (Math.abs(pre) < margin) return true;
    }
  }
  return false;
}

const shapes = fc.record({
  steps: fc.integer({ min: 1, max: 3 }),
  batch: fc.integer({ min: 1, max: 2 }),
  hidden: fc.integer({ min: 1, max: 3 }),
  reverse: fc.boolean(),
  relu: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

describe('rnnSequence', () => {
  for (const relu of [false, true]) {
    for (const reverse of [false, true]) {
      test(`output and gradients equal the tensor-op form (float64, ${relu ? 'relu' : 'tanh'}, ${reverse ? 'reverse' : 'forward'})`, () => {
        const fused = inputs(5, 3, 4, 7).map(leaf);
        const ops = fused.map(leaf);
        const y = rnnSequence(fused[0]!, fused[1]!, fused[2]!, fused[3]!, reverse, relu);
        const reference = rnnSequenceOps(reverse, relu, ops[0]!, ops[1]!, ops[2]!, ops[3]!);
        expect(y.shape).toEqual([1, 5, 3, 4]);
        close(y, reference, 1e-13, 'output');
        const cotangent = randn(y.shape, { dtype: 'float64', rng: new Generator(3) });
        const got = gradients(y, fused, cotangent);
        const expected = gradients(reference, ops, cotangent);
        names.forEach((name, k) => close(got[k]!, expected[k]!, 1e-12, `gradient of ${name}`));
      });
    }
  }

  propTest.prop([shapes], { numRuns: 8 })('finite differences, first and second order (float64)', ({ steps, batch, hidden, reverse, relu, seed }) => {
    const xs = inputs(steps, batch, hidden, seed);
    // relu: skip draws whose pre-activations come within 1e-3 of the kink, where differences cross it.
    if (relu && nearKink(xs, reverse, 1e-3)) return;
    const f = (...a: Tensor[]): Tensor => rnnSequence(a[0]!, a[1]!, a[2]!, a[3]!, reverse, relu);
    for (const check of [gradcheck, gradgradcheck]) {
      const report = check(f, xs);
      expect(report.ok, report.message).toBe(true);
    }
  });

  test('float32 follows float64', () => {
    const x64 = inputs(6, 4, 8, 21).map(leaf);
    const x32 = x64.map((t) => leaf(t.cast('float32')));
    for (const relu of [false, true]) {
      const y64 = rnnSequence(x64[0]!, x64[1]!, x64[2]!, x64[3]!, false, relu);
      const y32 = rnnSequence(x32[0]!, x32[1]!, x32[2]!, x32[3]!, false, relu);
      expect(y32.dtype).toBe('float32');
      close(y32, y64, 1e-5, 'output');
      const g = randn(y64.shape, { dtype: 'float64', rng: new Generator(5) });
      const g64 = gradients(y64, x64, g);
      const g32 = gradients(y32, x32, g.cast('float32'));
      names.forEach((name, k) => close(g32[k]!, g64[k]!, 2e-3, `gradient of ${name}`));
    }
  });

  test("relu: NaN stays NaN, and relu'(0) = 0", () => {
    const x = tensor([[[NaN, 0, 2]]], { dtype: 'float64', requiresGrad: true });
    const zero = tensor([[0, 0, 0], [0, 0, 0], [0, 0, 0]], { dtype: 'float64' });
    const y = rnnSequence(x, zero, tensor([0, 0, 0], { dtype: 'float64' }), tensor([[0, 0, 0]], { dtype: 'float64' }), false, true);
    const values = Array.from(y.data());
    expect(Number.isNaN(values[0])).toBe(true);
    expect(values.slice(1)).toEqual([0, 2]);
    const [dx] = gradients(y, [x], tensor([[[[1, 1, 1]]]], { dtype: 'float64' }));
    expect(Array.from(dx!.data())).toEqual([1, 0, 1]);
  });

  test('shapes and dtypes that do not fit are named', () => {
    const [xp, whh, bhh, h0] = inputs(2, 3, 2, 1);
    expect(() => rnnSequence(xp!.reshape([6, 2]), whh!, bhh!, h0!, false, false)).toThrow('rnnSequence: expected xp [T, N, H] (T >= 1), whh [H, H], bhh [H], h0 [N, H]; got xp [6,2], whh [2,2], bhh [2], h0 [3,2]');
    expect(() => rnnSequence(xp!, whh!.reshape([4, 1]), bhh!, h0!, false, false)).toThrow('whh [4,1]');
    expect(() => rnnSequence(xp!, whh!, bhh!, h0!.cast('float32'), false, true)).toThrow('rnnSequence: xp, whh, bhh and h0 must share one float dtype, got float64, float64, float64, float32');
  });
});
