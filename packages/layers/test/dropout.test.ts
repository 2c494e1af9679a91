/** Dropout: statistics of the mask, scaling, seeding, evaluation mode and p = 0. */
import { describe, expect, test } from 'vitest';
import { Generator, manualSeed, ones, tensor } from '@nn/autograd';
import { Dropout, Sequential } from '@nn/layers';

const x = ones([200, 100], { dtype: 'float64' });

describe('Dropout', () => {
  test('drops a fraction p and scales the kept elements by 1 / (1 - p)', () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const y = Array.from(new Dropout(p, { rng: new Generator(1) }).call(x).data());
      const kept = y.filter((v) => v !== 0);
      // 20,000 Bernoulli draws: the kept fraction is within 4 standard deviations of 1 - p.
      const sd = Math.sqrt((p * (1 - p)) / y.length);
      expect(Math.abs(kept.length / y.length - (1 - p))).toBeLessThan(4 * sd);
      kept.forEach((v) => expect(v).toBeCloseTo(1 / (1 - p), 12));
      // So the mean is preserved in expectation.
      expect(Math.abs(y.reduce((a, b) => a + b, 0) / y.length - 1)).toBeLessThan((4 * sd) / (1 - p));
    }
  });

  test('the gradient flows through the kept elements with the same scale', () => {
    const input = tensor([[1, 2, 3, 4]], { dtype: 'float64', requiresGrad: true });
    const y = new Dropout(0.5, { rng: new Generator(4) }).call(input);
    y.sum().backward();
    expect(Array.from(input.grad!.data())).toEqual(Array.from(y.data()).map((v, i) => v / (i + 1)));
  });

  test('seeded: the same rng seed drops the same elements; manualSeed resets the global generator', () => {
    const a = new Dropout(0.5, { rng: new Generator(9) }).call(x);
    const b = new Dropout(0.5, { rng: new Generator(9) }).call(x);
    expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    manualSeed(3);
    const c = new Dropout(0.5).call(x);
    manualSeed(3);
    const d = new Dropout(0.5).call(x);
    expect(Array.from(c.data())).toEqual(Array.from(d.data()));
    expect(Array.from(c.data())).not.toEqual(Array.from(a.data()));
  });

  test('successive calls draw new masks', () => {
    const layer = new Dropout(0.5, { rng: new Generator(2) });
    expect(Array.from(layer.call(x).data())).not.toEqual(Array.from(layer.call(x).data()));
  });

  test('the identity in evaluation mode and for p = 0', () => {
    const model = new Sequential([new Dropout(0.7)]);
    expect(model.eval().call(x)).toBe(x);
    expect(new Dropout(0).call(x)).toBe(x);
  });

  test('keeps the dtype of its input', () => {
    const y = new Dropout(0.5).call(ones([4, 4]));
    expect(y.dtype).toBe('float32');
    Array.from(y.data()).forEach((v) => expect([0, 2]).toContain(v));
  });
});
