/** Initializers: fans, distributions (moments), seeding, in-place filling; Dense's default init. */
import { describe, expect, test } from 'vitest';
import { Generator, manualSeed, tensor, type Tensor } from '@nn/autograd';
import { Dense, computeFans, glorotNormal, glorotUniform, heNormal, heUniform, ones, zeros, type Initializer } from '@nn/layers';

function moments(t: Tensor): { mean: number; variance: number; maxAbs: number } {
  const v = Array.from(t.data());
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, variance, maxAbs: Math.max(...v.map(Math.abs)) };
}

describe('fans of an [out, in, ...kernel] weight', () => {
  test('PyTorch convention for rank >= 2, Keras for rank 1', () => {
    expect(computeFans([30, 20])).toEqual({ fanIn: 20, fanOut: 30 });
    expect(computeFans([8, 4, 3, 3])).toEqual({ fanIn: 36, fanOut: 72 });
    expect(computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
  });
});

describe('distributions', () => {
  // [out, in] = [300, 200]: 60,000 samples, so the sample variance is within about 1% of the truth.
  const shape = [300, 200];
  const rng = (): Generator => new Generator(11);
  const cases: [string, Initializer, number, number][] = [
    // name, initializer, variance, bound on |value|
    ['glorotUniform', glorotUniform, 2 / 500, Math.sqrt(6 / 500)],
    ['glorotNormal', glorotNormal, 2 / 500, (2 * Math.sqrt(2 / 500)) / 0.87962566103423978],
    ['heUniform', heUniform, 2 / 200, Math.sqrt(6 / 200)],
    ['heNormal', heNormal, 2 / 200, (2 * Math.sqrt(2 / 200)) / 0.87962566103423978],
  ];

  test.each(cases)('%s has mean 0, the documented variance and stays within its bound', (_, init, variance, bound) => {
    const w = init(shape, { rng: rng(), dtype: 'float64' });
    expect(w.shape).toEqual(shape);
    expect(w.dtype).toBe('float64');
    const m = moments(w);
    expect(Math.abs(m.mean)).toBeLessThan(0.02 * Math.sqrt(variance));
    expect(m.variance / variance).toBeGreaterThan(0.98);
    expect(m.variance / variance).toBeLessThan(1.02);
    expect(m.maxAbs).toBeLessThanOrEqual(bound);
    // The uniform ones reach close to their limit; the truncated normals close to 2 standard deviations.
    expect(m.maxAbs).toBeGreaterThan(0.99 * bound);
  });

  test('zeros and ones', () => {
    expect(Array.from(zeros([2, 2]).data())).toEqual([0, 0, 0, 0]);
    expect(Array.from(ones([3], { dtype: 'float64' }).data())).toEqual([1, 1, 1]);
    expect(ones([3]).dtype).toBe('float32');
  });
});

describe('seeding', () => {
  test('the same rng seed gives the same weights; another seed different ones', () => {
    for (const init of [glorotUniform, glorotNormal, heUniform, heNormal]) {
      const a = init([5, 4], { rng: new Generator(7) });
      const b = init([5, 4], { rng: new Generator(7) });
      const c = init([5, 4], { rng: new Generator(8) });
      expect(Array.from(a.data())).toEqual(Array.from(b.data()));
      expect(Array.from(a.data())).not.toEqual(Array.from(c.data()));
    }
  });

  test('without rng they draw from the global generator, which manualSeed resets', () => {
    manualSeed(42);
    const a = heNormal([6, 3]);
    const denseA = new Dense(3, 2);
    manualSeed(42);
    const b = heNormal([6, 3]);
    const denseB = new Dense(3, 2);
    expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    expect(Array.from(denseA.weight.data())).toEqual(Array.from(denseB.weight.data()));
    expect(Array.from(denseA.bias!.data())).toEqual(Array.from(denseB.bias!.data()));
  });

  test('float32 and float64 tensors get the same draws (rounded)', () => {
    const a = glorotUniform([4, 4], { rng: new Generator(1), dtype: 'float32' });
    const b = glorotUniform([4, 4], { rng: new Generator(1), dtype: 'float64' });
    expect(Array.from(a.data())).toEqual(Array.from(Float32Array.from(b.data())));
  });
});

describe('filling in place', () => {
  test('a tensor argument is refilled and returned, also a parameter', () => {
    const dense = new Dense(4, 3, { dtype: 'float64' });
    const weight = dense.weight;
    expect(heUniform(dense.weight, { rng: new Generator(5) })).toBe(weight);
    expect(Array.from(weight.data())).toEqual(Array.from(heUniform([3, 4], { rng: new Generator(5), dtype: 'float64' }).data()));
    expect(weight.requiresGrad).toBe(true);
    zeros(dense.bias!);
    expect(Array.from(dense.bias!.data())).toEqual([0, 0, 0]);
  });
});

describe("Dense's initialization", () => {
  test("default: PyTorch's U(-1/sqrt(in), 1/sqrt(in)) for weight and bias", () => {
    const dense = new Dense(400, 300, { dtype: 'float64', rng: new Generator(3) });
    const bound = 1 / Math.sqrt(400);
    for (const t of [dense.weight, dense.bias!]) {
      const m = moments(t);
      expect(m.maxAbs).toBeLessThanOrEqual(bound);
      expect(m.maxAbs).toBeGreaterThan(0.95 * bound);
    }
    expect(moments(dense.weight).variance / (bound * bound / 3)).toBeCloseTo(1, 1);
  });

  test('Keras defaults through the initializer options; the result is copied into the layer', () => {
    const kernel = glorotUniform([3, 2], { rng: new Generator(9), dtype: 'float64' });
    const dense = new Dense(2, 3, { dtype: 'float64', kernelInitializer: () => kernel, biasInitializer: zeros });
    expect(dense.weight).not.toBe(kernel);
    expect(dense.weight.toArray()).toEqual(kernel.toArray());
    expect(Array.from(dense.bias!.data())).toEqual([0, 0, 0]);
  });

  test('the initializer gets the shape [out, in], the dtype and the rng', () => {
    const rng = new Generator(0);
    const seen: unknown[] = [];
    new Dense(2, 5, {
      dtype: 'float64',
      rng,
      kernelInitializer: (shape, options) => {
        seen.push(shape, options?.dtype, options?.rng);
        return tensor(new Float64Array(10), { shape: [5, 2] });
      },
    });
    expect(seen).toEqual([[5, 2], 'float64', rng]);
  });
});
