/**
 * Every layer and loss through gradcheck and gradgradcheck (second order wherever the function is
 * smooth at the drawn points), on random shapes and values, with the public testing utilities.
 * Layers are checked with respect to their input and their parameters, through `functionalCall`.
 */
import { describe, test } from 'vitest';
import fc from 'fast-check';
import { Generator, tensor, type Tensor } from '@nn/autograd';
import { gradcheckProperty, shapeArb, tensorArb, type GradcheckCase } from '@nn/autograd/testing';
import {
  BatchNorm1d,
  Dense,
  Dropout,
  Flatten,
  GELU,
  LayerNorm,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  erf,
  functionalCall,
  huberLoss,
  l1Loss,
  mseLoss,
  nllLoss,
  normalCdf,
  softplus,
  type Module,
  type Reduction,
} from '@nn/layers';

const RUNS = { numRuns: 20 };
const dim = (max = 4, min = 1): fc.Arbitrary<number> => fc.integer({ min, max });
const reductionArb: fc.Arbitrary<Reduction> = fc.constantFrom('mean', 'sum', 'none');
/** Values in (0.03, 0.94): probabilities clear of 0 and 1. */
const probabilities = (shape: number[]): fc.Arbitrary<Tensor> => tensorArb(shape, { domain: 'positive' }).map((t) => t.div(3.2));

/** A gradcheck case for a module: f(x, ...params) runs the module with the given parameters. */
function moduleCase(module: Module, x: Tensor, names: string[] = module.namedParameters().map(([n]) => n)): GradcheckCase {
  const params = new Map(module.namedParameters());
  return {
    f: (input, ...values) => functionalCall(module, Object.fromEntries(names.map((n, i) => [n, values[i]!])), input!),
    inputs: [x, ...names.map((n) => params.get(n)!.detach())],
  };
}

describe('gradcheck: special functions', () => {
  test('erf, normalCdf and softplus, first and second order', () => {
    for (const f of [erf, normalCdf, (x: Tensor): Tensor => softplus(x)]) fc.assert(gradcheckProperty(f, [tensorArb(shapeArb())]), RUNS);
  });
});

describe('gradcheck: layers (input and parameters)', () => {
  test('Dense, with and without bias, inputs of rank 1 to 3', () => {
    const cases = fc
      .record({ batch: fc.array(dim(3), { maxLength: 2 }), inF: dim(), outF: dim(), bias: fc.boolean() })
      .chain(({ batch, inF, outF, bias }) =>
        tensorArb([...batch, inF]).map((x) => moduleCase(new Dense(inF, outF, { bias, dtype: 'float64', rng: new Generator(inF) }), x)),
      );
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('ReLU and LeakyReLU away from the kink', () => {
    for (const layer of [new ReLU(), new LeakyReLU(), new LeakyReLU(0.3)]) {
      fc.assert(gradcheckProperty((x) => layer.call(x!), [tensorArb(shapeArb(), { domain: 'awayFromZero' })]), RUNS);
    }
  });

  test('GELU (exact and tanh), Sigmoid, Tanh', () => {
    for (const layer of [new GELU(), new GELU({ approximate: 'tanh' }), new Sigmoid(), new Tanh()]) {
      fc.assert(gradcheckProperty((x) => layer.call(x!), [tensorArb(shapeArb())]), RUNS);
    }
  });

  test('Softmax and LogSoftmax along any axis', () => {
    const cases = shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
      fc.tuple(tensorArb(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), fc.boolean()).map(
        ([x, axis, log]): GradcheckCase => {
          const layer = log ? new LogSoftmax(axis) : new Softmax(axis);
          return { f: (t) => layer.call(t!), inputs: [x] };
        },
      ),
    );
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('Flatten', () => {
    const layer = new Flatten();
    fc.assert(gradcheckProperty((x) => layer.call(x!), [tensorArb(shapeArb({ minRank: 2, maxRank: 4 }))]), RUNS);
  });

  test('Dropout with a fixed mask (a seeded generator per call)', () => {
    fc.assert(gradcheckProperty((x) => new Dropout(0.4, { rng: new Generator(3) }).call(x!), [tensorArb(shapeArb())]), RUNS);
  });

  test('LayerNorm over one or two trailing axes, with and without affine', () => {
    const cases = fc
      .record({ lead: fc.array(dim(3), { maxLength: 2 }), normalized: fc.array(dim(4, 2), { minLength: 1, maxLength: 2 }), affine: fc.boolean() })
      .chain(({ lead, normalized, affine }) =>
        fc.tuple(tensorArb([...lead, ...normalized]), tensorArb(normalized), tensorArb(normalized)).map(([x, w, b]): GradcheckCase => {
          const layer = new LayerNorm(normalized, { elementwiseAffine: affine, dtype: 'float64' });
          if (affine) layer.loadStateDict({ weight: w, bias: b });
          return moduleCase(layer, x);
        }),
      );
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('BatchNorm1d in training and evaluation mode, inputs [N, C] and [N, C, L]', () => {
    const cases = fc
      .record({ n: dim(4, 2), c: dim(3), length: fc.option(dim(3)), training: fc.boolean(), affine: fc.boolean() })
      .chain(({ n, c, length, training, affine }) =>
        fc
          .tuple(tensorArb(length === null ? [n, c] : [n, c, length]), tensorArb([c]), tensorArb([c], { domain: 'positive' }), tensorArb([c]))
          .map(([x, mean, variance, w]): GradcheckCase => {
            const bn = new BatchNorm1d(c, { affine, dtype: 'float64' }).train(training);
            bn.loadStateDict({ running_mean: mean, running_var: variance }, { strict: false });
            if (affine) bn.loadStateDict({ weight: w }, { strict: false });
            return moduleCase(bn, x);
          }),
      );
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('Sequential: a small MLP, through all its parameters', () => {
    const cases = fc.tuple(dim(3), dim(3), fc.integer({ min: 0, max: 1000 })).chain(([n, inF, seed]) =>
      tensorArb([n, inF]).map((x) => {
        const rng = new Generator(seed);
        return moduleCase(new Sequential([new Dense(inF, 3, { dtype: 'float64', rng }), new Tanh(), new Dense(3, 2, { dtype: 'float64', rng }), new GELU()]), x);
      }),
    );
    fc.assert(gradcheckProperty(cases), RUNS);
  });
});

describe('gradcheck: losses (prediction and, where differentiable, target)', () => {
  const pairs = shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) => fc.tuple(tensorArb(shape), tensorArb(shape, { domain: 'awayFromZero' }), reductionArb));

  test('mseLoss, l1Loss and huberLoss (differences kept away from 0)', () => {
    type Loss = (a: Tensor, b: Tensor, o: { reduction: Reduction }) => Tensor;
    const losses: Loss[] = [mseLoss, l1Loss, huberLoss, (a, b, o) => huberLoss(a, b, { ...o, delta: 0.6 })];
    for (const loss of losses) {
      const cases = pairs.map(([x, d, reduction]): GradcheckCase => ({ f: (a, b) => loss(a!, b!, { reduction }), inputs: [x, x.sub(d)] }));
      fc.assert(gradcheckProperty(cases), RUNS);
    }
  });

  const labelCases = (withLogits: boolean): fc.Arbitrary<GradcheckCase> =>
    fc
      .record({ n: dim(4), c: dim(4, 2), reduction: reductionArb, smoothing: fc.constantFrom(0, 0.15), weighted: fc.boolean() })
      .chain(({ n, c, reduction, smoothing, weighted }) =>
        fc
          .tuple(tensorArb([n, c]), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }), tensorArb([c], { domain: 'positive' }))
          .map(([x, labels, w]): GradcheckCase => {
            const indices = tensor(labels, { dtype: 'float64' });
            const weight = weighted ? { weight: w } : {};
            return withLogits
              ? { f: (l) => crossEntropy(l!, indices, { reduction, labelSmoothing: smoothing, ...weight }), inputs: [x] }
              : { f: (l) => nllLoss(l!, indices, { reduction, ...weight }), inputs: [x] };
          }),
      );

  test('crossEntropy with class indices (label smoothing, class weights, every reduction)', () => {
    fc.assert(gradcheckProperty(labelCases(true)), RUNS);
  });

  test('nllLoss', () => {
    fc.assert(gradcheckProperty(labelCases(false)), RUNS);
  });

  test('crossEntropy with probability targets: logits and target', () => {
    const cases = fc
      .record({ n: dim(4), c: dim(4, 2), reduction: reductionArb, smoothing: fc.constantFrom(0, 0.2), weighted: fc.boolean() })
      .chain(({ n, c, reduction, smoothing, weighted }) =>
        fc.tuple(tensorArb([n, c]), tensorArb([n, c]), tensorArb([c], { domain: 'positive' })).map(([x, t, w]): GradcheckCase => ({
          f: (l, p) => crossEntropy(l!, p!, { reduction, labelSmoothing: smoothing, ...(weighted ? { weight: w } : {}) }),
          inputs: [x, t.softmax(1)],
        })),
      );
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('binaryCrossEntropy: probabilities and targets', () => {
    const cases = shapeArb({ minRank: 1, maxRank: 3 }).chain((shape) =>
      fc.tuple(probabilities(shape), probabilities(shape), reductionArb).map(([p, y, reduction]): GradcheckCase => ({
        f: (a, b) => binaryCrossEntropy(a!, b!, { reduction }),
        inputs: [p, y],
      })),
    );
    fc.assert(gradcheckProperty(cases), RUNS);
  });

  test('binaryCrossEntropyWithLogits with weight and posWeight', () => {
    const cases = fc
      .record({ n: dim(3), c: dim(3), reduction: reductionArb, weighted: fc.boolean(), positive: fc.boolean() })
      .chain(({ n, c, reduction, weighted, positive }) =>
        fc
          .tuple(tensorArb([n, c]), probabilities([n, c]), tensorArb([c], { domain: 'positive' }), tensorArb([n, c], { domain: 'positive' }))
          .map(([x, y, pw, w]): GradcheckCase => ({
            f: (a, b) => binaryCrossEntropyWithLogits(a!, b!, { reduction, ...(weighted ? { weight: w } : {}), ...(positive ? { posWeight: pw } : {}) }),
            inputs: [x, y],
          })),
      );
    fc.assert(gradcheckProperty(cases), RUNS);
  });
});
