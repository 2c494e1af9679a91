/** Every bad-input path throws an Error naming the layer or loss and the shapes, option or value. */
import { describe, expect, test } from 'vitest';
import { tensor, zeros, type Tensor } from '@nn/autograd';
import {
  BatchNorm1d,
  Dense,
  Dropout,
  Flatten,
  GELU,
  LayerNorm,
  LeakyReLU,
  LogSoftmax,
  Sequential,
  Softmax,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  erf,
  glorotUniform,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  normalCdf,
  type Initializer,
  type Module,
  type Reduction,
} from '@nn/layers';

const f64 = { dtype: 'float64' as const };
const t = (data: number[] | number[][], requiresGrad = false): Tensor => tensor(data, { ...f64, requiresGrad });
/** Lets a test pass a value of the wrong type, as untyped JavaScript callers can. */
const wrong = <T>(value: unknown): T => value as T;

describe('layers', () => {
  test('a layer too large to allocate names the layer, the parameter, the shape and the bytes', () => {
    expect(() => new Dense(1e5, 1e5)).toThrow(
      'Dense(100000 -> 100000): cannot make its weight of shape [100000,100000] (initializing it failed with: ' +
        'rand: cannot allocate a float64 tensor of shape [100000,100000] (10000000000 elements, 80000000000 bytes = 80 GB)',
    );
  });

  test('an rng that is not a Generator', () => {
    expect(() => new Dense(2, 2, { rng: wrong(5) })).toThrow('Dense: rng must be a Generator, got 5');
    expect(() => new Dropout(0.5, { rng: wrong({ uniform: Math.random }) })).toThrow('Dropout: rng must be a Generator, got an object with keys {uniform}');
    expect(() => glorotUniform([2, 2], { rng: wrong('seed') })).toThrow('glorotUniform: rng must be a Generator, got the string "seed"');
  });

  test('Dense', () => {
    expect(() => new Dense(4, 3).call(zeros([2, 5]))).toThrow('Dense(4 -> 3): expected input with 4 features (last axis), got shape [2,5]');
    expect(() => new Dense(4, 3).call(zeros([]))).toThrow('Dense(4 -> 3): expected input with 4 features (last axis), got shape []');
    expect(() => new Dense(4, 3).call(wrong([1, 2, 3, 4]))).toThrow('Dense(4 -> 3): input must be a Tensor, got the array [1,2,3,4]');
    expect(() => new Dense(0, 3)).toThrow('Dense: inFeatures must be an integer >= 1, got 0');
    expect(() => new Dense(4, 2.5)).toThrow('Dense: outFeatures must be an integer >= 1, got 2.5');
    expect(() => new Dense(4, 3, wrong({ useBias: false }))).toThrow(
      "Dense: unknown option 'useBias' (known options: bias, dtype, rng, kernelInitializer, biasInitializer)",
    );
    expect(() => new Dense(4, 3, { bias: wrong('no') })).toThrow("Dense(4 -> 3): option bias must be true or false, got the string \"no\"");
    const transposed: Initializer = (shape, options) => glorotUniform([...shape].reverse(), options);
    expect(() => new Dense(4, 3, { kernelInitializer: transposed })).toThrow('Dense(4 -> 3): kernelInitializer returned shape [4,3], expected [3,4]');
    expect(() => new Dense(4, 3, { biasInitializer: wrong(0) })).toThrow(
      'Dense(4 -> 3): biasInitializer must be a function (shape, options) => Tensor, got 0',
    );
  });

  test('activations', () => {
    expect(() => new LeakyReLU(Number.NaN)).toThrow('LeakyReLU: negativeSlope must be a finite number, got NaN');
    expect(() => new GELU({ approximate: wrong('fast') })).toThrow(`GELU: approximate must be 'none' or 'tanh', got the string "fast"`);
    expect(() => new GELU(wrong({ tanh: true }))).toThrow("GELU: unknown option 'tanh' (known options: approximate)");
    expect(() => new Softmax(0.5)).toThrow('Softmax: axis must be an integer, got 0.5');
    expect(() => new Softmax(2).call(zeros([2, 2]))).toThrow('Softmax(axis=2): axis out of range for input of shape [2,2] (rank 2)');
    expect(() => new LogSoftmax(-3).call(zeros([2, 2]))).toThrow('LogSoftmax(axis=-3): axis out of range for input of shape [2,2] (rank 2)');
  });

  test('Dropout', () => {
    expect(() => new Dropout(1)).toThrow('Dropout: p must be a probability in [0, 1), got 1');
    expect(() => new Dropout(-0.1)).toThrow('Dropout: p must be a probability in [0, 1), got -0.1');
    expect(() => new Dropout(wrong('0.5'))).toThrow("Dropout: p must be a probability in [0, 1), got the string \"0.5\"");
    expect(() => new Dropout(0.5, wrong({ seed: 1 }))).toThrow("Dropout: unknown option 'seed' (known options: rng)");
  });

  test('Flatten', () => {
    expect(() => new Flatten().call(zeros([3]))).toThrow('Flatten(startAxis=1, endAxis=-1): axes out of range for input of shape [3]');
    expect(() => new Flatten({ startAxis: 2, endAxis: 1 }).call(zeros([2, 3, 4]))).toThrow('Flatten(startAxis=2, endAxis=1): axes out of range');
  });

  test('LayerNorm', () => {
    expect(() => new LayerNorm([4]).call(zeros([2, 5]))).toThrow('LayerNorm([4]): expected input whose last axes are [4], got shape [2,5]');
    expect(() => new LayerNorm([2, 3]).call(zeros([3]))).toThrow('LayerNorm([2,3]): expected input whose last axes are [2,3], got shape [3]');
    expect(() => new LayerNorm([])).toThrow('LayerNorm: normalizedShape must be a positive integer or a non-empty array of them, got the array []');
    expect(() => new LayerNorm(4, { eps: 0 })).toThrow('LayerNorm: eps must be a positive number, got 0');
    expect(() => new LayerNorm(4).call(zeros([2, 4], { dtype: 'int32' }))).toThrow('LayerNorm([4]): expected a float input, got int32 of shape [2,4]; cast it first');
  });

  test('BatchNorm1d', () => {
    expect(() => new BatchNorm1d(3).call(zeros([2, 4]))).toThrow('BatchNorm1d(3): expected input of shape [N, 3] or [N, 3, L], got [2,4]');
    expect(() => new BatchNorm1d(3).call(zeros([3]))).toThrow('BatchNorm1d(3): expected input of shape [N, 3] or [N, 3, L], got [3]');
    expect(() => new BatchNorm1d(3).call(zeros([1, 3]))).toThrow(
      'BatchNorm1d(3): expected more than 1 value per channel when training, got input of shape [1,3]',
    );
    expect(new BatchNorm1d(3).eval().call(zeros([1, 3])).shape).toEqual([1, 3]);
    expect(() => new BatchNorm1d(3, { momentum: 1.5 })).toThrow('BatchNorm1d: momentum must be in [0, 1] or null, got 1.5');
    expect(() => new BatchNorm1d(3, wrong({ center: false }))).toThrow(
      "BatchNorm1d: unknown option 'center' (known options: eps, momentum, affine, trackRunningStats, dtype)",
    );
  });

  test('Sequential', () => {
    expect(() => new Sequential([new Dense(2, 2), wrong<Module>((x: Tensor) => x)])).toThrow('Sequential: layer 1 is not a Module (got a function)');
    expect(() => new Sequential().append(wrong(null))).toThrow('Sequential: layer 0 is not a Module (got null)');
  });

  test('initializers', () => {
    expect(() => glorotUniform([2, -1])).toThrow('glorotUniform: the shape must be an array of non-negative integers, got the array [2,-1]');
    expect(() => glorotUniform([2, 2], wrong({ seed: 3 }))).toThrow("glorotUniform: unknown option 'seed' (known options: dtype, rng)");
  });
});

describe('losses', () => {
  test('unknown options and reductions', () => {
    expect(() => mseLoss(t([1]), t([1]), wrong({ reductoin: 'sum' }))).toThrow("mseLoss: unknown option 'reductoin' (did you mean 'reduction'? known options: reduction)");
    expect(() => l1Loss(t([1]), t([1]), { reduction: wrong<Reduction>('avg') })).toThrow(
      "l1Loss: reduction must be 'mean', 'sum' or 'none', got the string \"avg\"",
    );
    expect(() => crossEntropy(t([[1, 2]]), t([0]), wrong({ smoothing: 0.1 }))).toThrow(
      "crossEntropy: unknown option 'smoothing' (known options: reduction, weight, labelSmoothing)",
    );
  });

  test('input and target shapes must agree', () => {
    for (const [name, loss] of [
      ['mseLoss', mseLoss],
      ['l1Loss', l1Loss],
      ['huberLoss', huberLoss],
      ['binaryCrossEntropy', binaryCrossEntropy],
      ['binaryCrossEntropyWithLogits', binaryCrossEntropyWithLogits],
    ] as const) {
      expect(() => loss(zeros([3, 2]), zeros([3]))).toThrow(`${name}: input shape [3,2] and target shape [3] differ`);
    }
    expect(() => mseLoss(zeros([3]), wrong(3))).toThrow('mseLoss: target must be a Tensor, got 3');
    expect(() => huberLoss(zeros([3]), zeros([3]), { delta: 0 })).toThrow('huberLoss: delta must be a positive number, got 0');
  });

  test('crossEntropy: class indices must be integers in range', () => {
    const logits = zeros([3, 4]);
    expect(() => crossEntropy(logits, t([0, 4, 1]))).toThrow('crossEntropy: target[1] = 4 is out of range for 4 classes (expected 0..3)');
    expect(() => crossEntropy(logits, t([0, -1, 1]))).toThrow('crossEntropy: target[1] = -1 is out of range for 4 classes (expected 0..3)');
    expect(() => crossEntropy(logits, t([0, 1, 1.5]))).toThrow('crossEntropy: target[2] = 1.5 is not an integer class index');
    expect(() => nllLoss(logits, t([0, 1, 7]))).toThrow('nllLoss: target[2] = 7 is out of range for 4 classes (expected 0..3)');
  });

  test('crossEntropy: shapes of logits, target and weight; label smoothing range', () => {
    expect(() => crossEntropy(zeros([3, 4]), zeros([2]))).toThrow(
      'crossEntropy: target shape [2] matches neither class indices [3] nor class probabilities [3,4] for logits [3,4]',
    );
    expect(() => crossEntropy(zeros([3, 4]), zeros([3, 3]))).toThrow('crossEntropy: target shape [3,3] matches neither');
    expect(() => crossEntropy(zeros([4]), zeros([1]))).toThrow('crossEntropy: expected logits of shape [N, C], got [4]');
    expect(() => crossEntropy(zeros([3, 4]), t([0, 1, 2]), { weight: zeros([3]) })).toThrow(
      'crossEntropy: weight must have shape [4] (one per class), got [3]',
    );
    expect(() => crossEntropy(zeros([3, 4]), t([0, 1, 2]), { labelSmoothing: 1.5 })).toThrow('crossEntropy: labelSmoothing must be in [0, 1], got 1.5');
    expect(() => nllLoss(zeros([3, 4]), zeros([3, 4]))).toThrow(
      'nllLoss: target shape [3,4] does not match logProbs [3,4] (expected class indices of shape [3])',
    );
  });

  test('binary cross-entropy: probabilities in [0, 1], weights that broadcast', () => {
    expect(() => binaryCrossEntropy(t([0.5, 1.2]), t([0, 1]))).toThrow(
      'binaryCrossEntropy: input must hold probabilities in [0, 1], got 1.2 at flat index 1',
    );
    expect(() => binaryCrossEntropy(t([0.5, 0.2]), t([0, 1]), { weight: zeros([3]) })).toThrow(
      "binaryCrossEntropy: weight of shape [3] does not broadcast to the input's shape [2]",
    );
    expect(() => binaryCrossEntropyWithLogits(zeros([2, 3]), zeros([2, 3]), { posWeight: zeros([2]) })).toThrow(
      "binaryCrossEntropyWithLogits: posWeight of shape [2] does not broadcast to the input's shape [2,3]",
    );
    expect(() => binaryCrossEntropyWithLogits(zeros([3]), zeros([3]), { weight: zeros([2, 3]) })).toThrow(
      "binaryCrossEntropyWithLogits: weight of shape [2,3] does not broadcast to the input's shape [3]",
    );
  });
});

describe('numerical edge cases', () => {
  const finite = (x: Tensor): boolean => Array.from(x.data()).every(Number.isFinite);

  test('crossEntropy is finite, with finite gradients, at logits of +-1e4 (both target forms)', () => {
    const logits = t([[1e4, -1e4, 0], [-1e4, 1e4, 3]], true);
    for (const target of [t([1, 0]), t([[0, 1, 0], [1, 0, 0]])]) {
      logits.zeroGrad();
      const loss = crossEntropy(logits, target);
      expect(loss.item()).toBeCloseTo(20000, 6); // each sample puts its target 2e4 below the top logit
      loss.backward();
      expect(finite(logits.grad!)).toBe(true);
    }
    const single = crossEntropy(t([[1e4, -1e4]], true), t([0]));
    expect(single.item()).toBe(0);
  });

  test('binaryCrossEntropy clamps its logs at -100: finite value and gradient at p = 0 and 1', () => {
    const p = t([0, 1, 0.5], true);
    const loss = binaryCrossEntropy(p, t([1, 0, 1]), { reduction: 'sum' });
    expect(loss.item()).toBeCloseTo(200 + Math.LN2, 10);
    loss.backward();
    expect(finite(p.grad!)).toBe(true);
  });

  test('erf, normalCdf and GELU at infinities, NaN and large inputs', () => {
    expect(Array.from(erf(t([Infinity, -Infinity, 30, -30])).data())).toEqual([1, -1, 1, -1]);
    expect(Array.from(normalCdf(t([Infinity, -Infinity, -40, 40])).data())).toEqual([1, 0, 0, 1]);
    expect(Number.isNaN(erf(t([Number.NaN])).item())).toBe(true);
    const x = t([-1e4, -40, 40, 1e4], true);
    const y = new GELU().call(x);
    expect(Array.from(y.data()).map((v) => v + 0)).toEqual([0, 0, 40, 1e4]);
    y.sum().backward();
    expect(Array.from(x.grad!.data()).map((v) => v + 0)).toEqual([0, 0, 1, 1]);
  });

  test('binaryCrossEntropyWithLogits: stable at +-1e4, exact gradient sigmoid(x) - y at x = 0', () => {
    const x = t([1e4, -1e4, 0], true);
    const loss = binaryCrossEntropyWithLogits(x, t([0, 1, 1]), { reduction: 'none' });
    expect(Array.from(loss.data())).toEqual([1e4, 1e4, Math.LN2]);
    loss.sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([1, -1, -0.5]);
  });
});
