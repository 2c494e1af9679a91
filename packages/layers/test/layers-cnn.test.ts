/**
 * BatchNorm2d, GroupNorm, Identity, SiLU, Softplus, ELU, Mish and the functional silu, softplus, elu,
 * mish: gradcheck and gradgradcheck in float64 (with respect to the input and the parameters,
 * through the norm layers in both modes), BatchNorm2d's training and evaluation behaviour and
 * running statistics, the errors, and `summary()`. The values against PyTorch are in
 * layers-cnn-pytorch.test.ts.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Generator, randn, tensor, type Tensor } from '@nn/autograd';
import { gradcheckProperty, shapeArb, tensorArb, type GradcheckCase } from '@nn/autograd/testing';
import {
  BatchNorm2d,
  ELU,
  GroupNorm,
  Identity,
  Mish,
  Sequential,
  SiLU,
  Softplus,
  elu,
  functionalCall,
  mish,
  silu,
  softplus,
  type Module,
} from '@nn/layers';

const RUNS = { numRuns: 8 };
const dim = (max = 3, min = 1): fc.Arbitrary<number> => fc.integer({ min, max });
const f64 = { dtype: 'float64' as const };
/** Element-wise layers: shapes of up to 9 elements (gradgradcheck's cost grows with the square). */
const SMALL = shapeArb({ maxRank: 2, maxDim: 3 });

/** A gradcheck case for a module: f(x, ...params) runs the module with the given parameters. */
function moduleCase(module: Module, x: Tensor): GradcheckCase {
  const named = module.namedParameters();
  return {
    f: (input, ...values) => functionalCall(module, Object.fromEntries(named.map(([n], i) => [n, values[i]!])), input!),
    inputs: [x, ...named.map(([, p]) => p.detach())],
  };
}

describe('gradcheck and gradgradcheck', () => {
  test('BatchNorm2d in training and evaluation mode, with and without affine, input and parameters', () => {
    const cases = fc
      .record({ n: dim(2), c: dim(2), h: dim(3), w: dim(2), training: fc.boolean(), affine: fc.boolean(), track: fc.boolean() })
      .filter(({ n, h, w }) => n * h * w >= 2)
      .chain(({ n, c, h, w, training, affine, track }) =>
        fc
          .tuple(tensorArb([n, c, h, w]), tensorArb([c]), tensorArb([c], { domain: 'positive' }), tensorArb([c], { domain: 'awayFromZero' }), tensorArb([c]))
          .map(([x, mean, variance, weight, bias]): GradcheckCase => {
            const bn = new BatchNorm2d(c, { affine, trackRunningStats: track, ...f64 }).train(training);
            if (track) bn.loadStateDict({ running_mean: mean, running_var: variance }, { strict: false });
            if (affine) bn.loadStateDict({ weight, bias }, { strict: false });
            return moduleCase(bn, x);
          }),
      );
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('GroupNorm on inputs [N, C], [N, C, L] and [N, C, H, W], any grouping, input and parameters', () => {
    const cases = fc
      .record({ n: dim(2), groups: dim(2), perGroup: dim(2), spatial: fc.array(dim(2), { maxLength: 2 }), affine: fc.boolean() })
      .filter(({ perGroup, spatial }) => perGroup * spatial.reduce((a, b) => a * b, 1) >= 2)
      .chain(({ n, groups, perGroup, spatial, affine }) => {
        const c = groups * perGroup;
        return fc.tuple(tensorArb([n, c, ...spatial]), tensorArb([c], { domain: 'awayFromZero' }), tensorArb([c])).map(([x, weight, bias]) => {
          const gn = new GroupNorm(groups, c, { affine, ...f64 });
          if (affine) gn.loadStateDict({ weight, bias });
          return moduleCase(gn, x);
        });
      });
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('Identity, SiLU, Mish, Softplus (beta 1 and 2), and silu, mish, softplus', () => {
    const layers = [new Identity(), new SiLU(), new Mish(), new Softplus(), new Softplus({ beta: 2 })];
    for (const layer of layers) fc.assert(gradcheckProperty((x) => layer.call(x!), [tensorArb(SMALL)]), RUNS);
    for (const f of [silu, mish, (x: Tensor): Tensor => softplus(x, { beta: 0.5 })]) {
      fc.assert(gradcheckProperty((x) => f(x!), [tensorArb(SMALL)]), RUNS);
    }
  });

  test('Softplus above its threshold is x (derivative 1, second derivative 0), below it the log form', () => {
    // Values in [0.5, 3] with beta 2 and threshold 0.6: beta x is either clear above 0.6 (from 0.5 *
    // 2 = 1 on) or not drawn, so no finite difference straddles the switch.
    const above = new Softplus({ beta: 2, threshold: 0.6 });
    fc.assert(gradcheckProperty((x) => above.call(x!), [tensorArb(SMALL, { domain: { from: 0.5, to: 3 } })]), RUNS);
    const x = tensor([25, 20.5, 19.5, -25], { ...f64, requiresGrad: true });
    const y = new Softplus().call(x);
    y.sum().backward();
    expect(y.data()[0]).toBe(25);
    expect(y.data()[1]).toBe(20.5);
    expect(y.data()[2]).toBe(19.5 + Math.log1p(Math.exp(-19.5)));
    const slopes = [1, 1, 1 / (1 + Math.exp(-19.5)), 1 / (1 + Math.exp(25))];
    Array.from(x.grad!.data()).forEach((g, i) => expect(Math.abs(g - slopes[i]!) / slopes[i]!).toBeLessThan(1e-14));
  });

  test('ELU (alpha 1 and 0.5) and elu away from the kink at 0', () => {
    for (const f of [(x: Tensor): Tensor => new ELU().call(x), (x: Tensor): Tensor => new ELU({ alpha: 0.5 }).call(x), (x: Tensor): Tensor => elu(x, { alpha: 1.7 })]) {
      fc.assert(gradcheckProperty((x) => f(x!), [tensorArb(SMALL, { domain: 'awayFromZero' })]), RUNS);
    }
  });

  test("ELU at 0: the value 0, the derivative alpha (the left one, as PyTorch's), no overflow far right", () => {
    const x = tensor([0, 800, -800], { ...f64, requiresGrad: true });
    const y = elu(x, { alpha: 0.5 });
    y.sum().backward();
    expect(Array.from(y.data())).toEqual([0, 800, -0.5]);
    expect(Array.from(x.grad!.data())).toEqual([0.5, 1, 0]);
  });

  test('a stack of BatchNorm2d, SiLU, GroupNorm, Mish and ELU in training mode, through every parameter', () => {
    const cases = fc.integer({ min: 0, max: 1000 }).chain((seed) =>
      tensorArb([2, 2, 1, 2]).map((x) => {
        const stack = new Sequential([new BatchNorm2d(2, f64), new SiLU(), new GroupNorm(2, 2, f64), new Mish(), new ELU({ alpha: 0.8 })]);
        const rng = new Generator(seed);
        stack.loadStateDict({ ...stack.stateDict(), '0.weight': randn([2], { ...f64, rng }).add(1), '2.bias': randn([2], { ...f64, rng }) });
        return moduleCase(stack, x);
      }),
    );
    fc.assert(gradcheckProperty(cases), { numRuns: 3 });
  });
});

describe('BatchNorm2d: training and evaluation', () => {
  /** [2, 2, 1, 2]: channel 0 holds 1, 2, 3, 6 (mean 3, biased variance 3.5), channel 1 holds 0, 0, 4, 4. */
  const x = (): Tensor => tensor([[[[1, 2]], [[0, 0]]], [[[3, 6]], [[4, 4]]]], f64);

  test('training normalizes per channel over N, H and W with the biased variance, and updates the running statistics with the unbiased one', () => {
    const bn = new BatchNorm2d(2, { momentum: 0.25, ...f64 });
    const y = bn.call(x());
    const channel0 = [1, 2, 3, 6].map((v) => (v - 3) / Math.sqrt(3.5 + 1e-5));
    // Within rounding: the layer multiplies by 1 / sqrt(variance + eps) rather than dividing.
    Array.from(y.data()).filter((_, i) => [0, 1, 4, 5].includes(i)).forEach((v, i) => expect(v).toBeCloseTo(channel0[i]!, 14));
    // running = 0.75 * initial + 0.25 * batch; the unbiased variances are 3.5 * 4/3 and 4 * 4/3.
    expect(Array.from(bn.runningMean!.data())).toEqual([0.25 * 3, 0.25 * 2]);
    const variances = [0.75 + 0.25 * ((3.5 * 4) / 3), 0.75 + 0.25 * ((4 * 4) / 3)];
    Array.from(bn.runningVar!.data()).forEach((v, i) => expect(v).toBeCloseTo(variances[i]!, 14));
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  test('evaluation mode uses the running statistics and changes no buffer', () => {
    const bn = new BatchNorm2d(2, f64);
    bn.loadStateDict({ ...bn.stateDict(), running_mean: tensor([1, -1], f64), running_var: tensor([4, 0.25], f64), weight: tensor([2, 1], f64), bias: tensor([0.5, 0], f64) });
    const before = bn.stateDict();
    const y = bn.eval().call(x());
    const expected = [[1, 2], [0, 0], [3, 6], [4, 4]].flatMap(([a, b], i) => {
      const [m, v, w, s] = i % 2 === 0 ? [1, 4, 2, 0.5] : [-1, 0.25, 1, 0];
      return [a!, b!].map((value) => ((value - m!) / Math.sqrt(v! + 1e-5)) * w! + s!);
    });
    expect(Array.from(y.data())).toEqual(expected);
    expect(bn.stateDict()).toEqual(before);
  });

  test('momentum null is the cumulative average of the batch statistics', () => {
    const bn = new BatchNorm2d(1, { momentum: null, ...f64 });
    const batches = [tensor([[[[1, 3]]], [[[2, 2]]]], f64), tensor([[[[10, 0]]], [[[4, 6]]]], f64), tensor([[[[-1, 1]]], [[[0, 0]]]], f64)];
    for (const b of batches) bn.call(b);
    const means = [2, 5, 0];
    const unbiased = [2 / 3, 52 / 3, 2 / 3];
    expect(bn.runningMean!.item()).toBeCloseTo(means.reduce((a, b) => a + b) / 3, 14);
    // The first batch replaces the initial ones (factor 1 / 1), so the initial values leave no trace.
    expect(bn.runningVar!.item()).toBeCloseTo(unbiased.reduce((a, b) => a + b) / 3, 14);
    expect(bn.numBatchesTracked!.item()).toBe(3);
  });

  test('without running statistics, batch statistics in both modes and no buffers', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false, ...f64 });
    expect(bn.buffers()).toEqual([]);
    expect(Object.keys(bn.stateDict())).toEqual([]);
    expect(Array.from(bn.eval().call(x()).data())).toEqual(Array.from(bn.train().call(x()).data()));
  });

  test('the state dict has PyTorch\'s keys and shapes', () => {
    const dict = new BatchNorm2d(3).stateDict();
    expect(Object.entries(dict).map(([k, t]) => [k, t.shape])).toEqual([
      ['weight', [3]],
      ['bias', [3]],
      ['running_mean', [3]],
      ['running_var', [3]],
      ['num_batches_tracked', []],
    ]);
  });

  test('GroupNorm is the same in training and evaluation mode and has no buffers', () => {
    const gn = new GroupNorm(2, 4, f64);
    const input = randn([2, 4, 3], { ...f64, rng: new Generator(5) });
    expect(gn.buffers()).toEqual([]);
    expect(Array.from(gn.eval().call(input).data())).toEqual(Array.from(gn.train().call(input).data()));
  });
});

describe('NaN (PyTorch\'s positions are checked in layers-cnn-pytorch.test.ts)', () => {
  test('a NaN stays in its channel (BatchNorm2d) or in its sample\'s group (GroupNorm)', () => {
    const x = randn([2, 4, 2, 2], { ...f64, rng: new Generator(9) });
    const data = x.data().slice();
    data[0] = NaN; // sample 0, channel 0
    const withNaN = tensor(data, { shape: x.shape, ...f64 });
    const nanChannels = (y: Tensor): string[] => {
      const v = y.data();
      return [0, 1].flatMap((n) => [0, 1, 2, 3].filter((c) => [0, 1, 2, 3].some((i) => Number.isNaN(v[n * 16 + c * 4 + i]!))).map((c) => `${n}:${c}`));
    };
    expect(nanChannels(new BatchNorm2d(4, f64).call(withNaN))).toEqual(['0:0', '1:0']);
    expect(nanChannels(new GroupNorm(2, 4, f64).call(withNaN))).toEqual(['0:0', '0:1']);
  });

  test('the activations give NaN at NaN', () => {
    const x = tensor([NaN, 1], f64);
    for (const f of [silu, mish, elu, softplus, (t: Tensor) => new Identity().call(t)]) {
      expect(Number.isNaN(f(x).data()[0]!), f.name).toBe(true);
    }
  });
});

describe('errors name the layer and the shapes', () => {
  test('BatchNorm2d', () => {
    expect(() => new BatchNorm2d(3).call(randn([2, 3, 4]))).toThrow('BatchNorm2d(3): expected input of shape [N, 3, H, W], got [2,3,4]');
    expect(() => new BatchNorm2d(3).call(randn([2, 4, 2, 2]))).toThrow('BatchNorm2d(3): expected input of shape [N, 3, H, W], got [2,4,2,2]');
    expect(() => new BatchNorm2d(2).call(randn([1, 2, 1, 1]))).toThrow(
      'BatchNorm2d(2): expected more than 1 value per channel when training, got input of shape [1,2,1,1]',
    );
    expect(new BatchNorm2d(2).eval().call(randn([1, 2, 1, 1])).shape).toEqual([1, 2, 1, 1]);
    expect(() => new BatchNorm2d(0)).toThrow('BatchNorm2d: numFeatures must be an integer >= 1, got 0');
    expect(() => new BatchNorm2d(2, { momentum: 2 })).toThrow('BatchNorm2d: momentum must be in [0, 1] or null, got 2');
    expect(() => new BatchNorm2d(2, { eps: 0 })).toThrow('BatchNorm2d: eps must be a positive number, got 0');
    expect(() => new BatchNorm2d(2, { momentun: 0.1 } as never)).toThrow("BatchNorm2d: unknown option 'momentun'");
    expect(() => new BatchNorm2d(2).call([1, 2] as never)).toThrow('BatchNorm2d(2): input must be a Tensor, got');
  });

  test('GroupNorm', () => {
    expect(() => new GroupNorm(3, 4)).toThrow('GroupNorm: numChannels (4) must be divisible by numGroups (3)');
    expect(() => new GroupNorm(0, 4)).toThrow('GroupNorm: numGroups must be an integer >= 1, got 0');
    expect(() => new GroupNorm(2, 4).call(randn([2, 6, 3]))).toThrow('GroupNorm(2, 4): expected input of shape [N, 4, *], got [2,6,3]');
    expect(() => new GroupNorm(2, 4).call(randn([4]))).toThrow('GroupNorm(2, 4): expected input of shape [N, 4, *], got [4]');
    expect(() => new GroupNorm(2, 4, { eps: -1 })).toThrow('GroupNorm: eps must be a positive number, got -1');
    expect(() => new GroupNorm(2, 4, { momentum: 0.1 } as never)).toThrow("GroupNorm: unknown option 'momentum'");
  });

  test('the activations and their functional forms', () => {
    expect(() => new Softplus({ beta: 0 })).toThrow('Softplus: beta must be a positive number, got 0');
    expect(() => new Softplus({ threshold: NaN })).toThrow('Softplus: threshold must be a finite number, got NaN');
    expect(() => softplus(randn([2]), { beta: -1 })).toThrow('softplus: beta must be a positive number, got -1');
    expect(() => new ELU({ alpha: Infinity })).toThrow('ELU: alpha must be a finite number, got Infinity');
    expect(() => elu(randn([2]), { alpah: 1 } as never)).toThrow("elu: unknown option 'alpah'");
    for (const [name, layer] of [['Identity', new Identity()], ['SiLU', new SiLU()], ['Mish', new Mish()], ['Softplus', new Softplus()], ['ELU', new ELU()]] as const) {
      expect(() => layer.call(3 as never), name).toThrow(`${name}: input must be a Tensor, got`);
    }
    for (const [name, f] of [['silu', silu], ['mish', mish], ['softplus', softplus], ['elu', elu]] as const) {
      expect(() => f(3 as never), name).toThrow(`${name}: input must be a Tensor, got`);
    }
  });
});

describe('summary and toString', () => {
  test('summary shows the output shapes and parameter counts of the new layers', () => {
    const model = new Sequential([new BatchNorm2d(3), new SiLU(), new GroupNorm(1, 3), new Mish(), new Softplus(), new ELU(), new Identity()]);
    expect(model.summary([3, 4, 5])).toBe(
      [
        'Model: Sequential, input shape [1,3,4,5] (a batch of 1)',
        '_'.repeat(43),
        'Layer (type)      Output shape   Param #',
        '='.repeat(43),
        '0 (BatchNorm2d)   [1,3,4,5]      6',
        '1 (SiLU)          [1,3,4,5]      0',
        '2 (GroupNorm)     [1,3,4,5]      6',
        '3 (Mish)          [1,3,4,5]      0',
        '4 (Softplus)      [1,3,4,5]      0',
        '5 (ELU)           [1,3,4,5]      0',
        '6 (Identity)      [1,3,4,5]      0',
        '='.repeat(43),
        'Total params: 12',
        'Trainable params: 12',
        'Non-trainable params: 0',
        'Buffers (not trained): 7',
        '_'.repeat(43),
      ].join('\n'),
    );
  });

  test('toString gives the settings', () => {
    expect(String(new Sequential([new BatchNorm2d(4, { momentum: null }), new GroupNorm(2, 4, { affine: false }), new Softplus({ beta: 2 }), new ELU({ alpha: 0.5 })]))).toBe(
      [
        'Sequential(',
        '  (0): BatchNorm2d(4, eps=0.00001, momentum=null, affine=true, trackRunningStats=true)',
        '  (1): GroupNorm(2, 4, eps=0.00001, affine=false)',
        '  (2): Softplus(beta=2, threshold=20)',
        '  (3): ELU(alpha=0.5)',
        ')',
      ].join('\n'),
    );
  });
});
