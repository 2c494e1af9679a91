/** trainTestSplit: a seeded split of samples into a training and a test set, optionally stratified. */
import { checkGenerator, checkOptions, type Generator, type Storage, type Tensor } from '@nn/autograd';
import { commonRowCount, rowLayout, takeRows } from './rows.js';
import { range, shuffleInPlace } from './shuffle.js';

export interface SplitOptions {
  /** The test set's share of the samples in (0, 1), or a number of samples (an integer >= 1). */
  testSize: number;
  /** Shuffle before splitting (default true). Without it the last samples form the test set. */
  shuffle?: boolean;
  /** Keep each class's share equal in both sets (needs `y` to hold class labels). Default false. */
  stratify?: boolean;
  /** The generator to shuffle with (default: the global one, seeded by manualSeed). */
  rng?: Generator;
}

export interface Split {
  xTrain: Tensor;
  xTest: Tensor;
  yTrain: Tensor;
  yTest: Tensor;
}

function testCount(testSize: number, total: number): number {
  const count = testSize > 0 && testSize < 1 ? Math.ceil(testSize * total) : testSize;
  if (!Number.isInteger(count) || count < 1 || count >= total) {
    throw new Error(`trainTestSplit: testSize ${testSize} must be a fraction in (0, 1) or a whole number of samples in [1, ${total - 1}] for ${total} samples`);
  }
  return count;
}

/**
 * Test indices drawn per class: each class contributes its share of `count` (largest remainders
 * settle the rounding), so both sets keep the class proportions.
 */
function stratifiedTestIndices(labels: Storage, count: number, rng: Generator): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const members = byClass.get(label) ?? [];
    members.push(i);
    byClass.set(label, members);
  });
  for (const [label, members] of byClass) {
    if (members.length < 2) throw new Error(`trainTestSplit: class ${label} has only 1 sample; stratify needs at least 2 per class`);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const exact = classes.map((label) => (byClass.get(label)!.length * count) / labels.length);
  const shares = exact.map(Math.floor);
  const byRemainder = classes.map((_, i) => i).sort((a, b) => exact[b]! - shares[b]! - (exact[a]! - shares[a]!) || a - b);
  const missing = count - shares.reduce((a, b) => a + b, 0);
  for (let k = 0; k < missing; k++) shares[byRemainder[k]!]!++;
  return classes.flatMap((label, i) => shuffleInPlace([...byClass.get(label)!], rng).slice(0, shares[i]));
}

/**
 * Splits samples (rows of `x` and `y`) into a training and a test set. Seeded: the same generator
 * state gives the same split.
 */
export function trainTestSplit(x: Tensor, y: Tensor, opts: SplitOptions): Split {
  checkOptions('trainTestSplit', opts, ['testSize', 'shuffle', 'stratify', 'rng']);
  if (opts?.testSize === undefined) throw new Error('trainTestSplit: the option testSize is required, e.g. trainTestSplit(x, y, { testSize: 0.2 })');
  const total = commonRowCount([x, y], ['x', 'y'], 'trainTestSplit');
  const { shuffle = true, stratify = false } = opts;
  const rng = checkGenerator('trainTestSplit', opts.rng);
  const count = testCount(opts.testSize, total);
  let testIndices: number[];
  if (stratify) {
    if (!shuffle) throw new Error('trainTestSplit: stratify needs shuffle: true');
    if (y.ndim !== 1) throw new Error(`trainTestSplit: stratify needs class labels y of shape [N], got [${y.shape.join(',')}]`);
    testIndices = stratifiedTestIndices(y.data(), count, rng);
  } else {
    const order = shuffle ? shuffleInPlace(range(total), rng) : range(total);
    testIndices = order.slice(total - count);
  }
  const isTest = new Uint8Array(total);
  testIndices.forEach((i) => (isTest[i] = 1));
  let trainIndices = range(total).filter((i) => isTest[i] === 0);
  if (shuffle) {
    trainIndices = shuffleInPlace(trainIndices, rng);
    testIndices = shuffleInPlace([...testIndices], rng);
  } else {
    testIndices.sort((a, b) => a - b);
  }
  const xs = rowLayout(x);
  const ys = rowLayout(y);
  return {
    xTrain: takeRows(xs, x.shape, trainIndices),
    xTest: takeRows(xs, x.shape, testIndices),
    yTrain: takeRows(ys, y.shape, trainIndices),
    yTest: takeRows(ys, y.shape, testIndices),
  };
}
