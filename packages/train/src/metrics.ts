/**
 * Metrics, computed over a whole epoch as Keras does: each metric accumulates counts or sums batch by
 * batch (`update`) and reports their ratio (`result`), so that the last, smaller batch weighs what
 * it should. A NaN among the predictions or targets makes the result NaN until `reset`: a comparison
 * with NaN is false, so a count would otherwise hide it (an accuracy of 0.5 on NaN outputs).
 */
import type { Tensor } from '@nn/autograd';

export type MetricName =
  | 'accuracy' | 'binaryAccuracy' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy'
  | 'mse' | 'mae' | 'precision' | 'recall' | 'auc';
export const METRIC_NAMES: readonly MetricName[] = [
  'accuracy', 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy', 'mse', 'mae', 'precision', 'recall', 'auc',
];

export interface Metric {
  readonly name: string;
  reset(): void;
  update(yTrue: Tensor, yPred: Tensor): void;
  result(): number;
}

export interface MetricContext {
  /** The binary decision threshold on predictions: 0.5 for probabilities, 0 for logits. */
  threshold: number;
  /** The predictions are logits (default false): 'auc' passes them through a sigmoid first. */
  fromLogits?: boolean;
}

const fmt = (t: Tensor): string => `[${t.shape.join(',')}]`;

/** The index of the largest value in each row of a [N, C] array. */
function argmaxRows(values: ArrayLike<number>, rows: number, columns: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < columns; c++) if (values[r * columns + c]! > values[r * columns + best]!) best = c;
    out[r] = best;
  }
  return out;
}

type AccuracyKind = 'binary' | 'categorical' | 'sparse';

/**
 * Which accuracy 'accuracy' means, from the shapes, as Keras decides: one column of predictions is
 * binary; targets with one value per row against several prediction columns are class indices;
 * targets shaped like the predictions are one-hot.
 */
export function accuracyKind(yTrue: Tensor, yPred: Tensor): AccuracyKind {
  const columns = yPred.ndim === 1 ? 1 : yPred.shape[yPred.ndim - 1]!;
  if (columns === 1) return 'binary';
  const targetColumns = yTrue.ndim === 1 ? 1 : yTrue.shape[yTrue.ndim - 1]!;
  return targetColumns === 1 ? 'sparse' : 'categorical';
}

/** Counts of correct predictions of one kind (or of the kind the shapes say, for 'accuracy'). */
class Accuracy implements Metric {
  private correct = 0;
  private total = 0;
  constructor(readonly name: string, private readonly kind: AccuracyKind | 'auto', private readonly context: MetricContext) {}
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  update(yTrue: Tensor, yPred: Tensor): void {
    const kind = this.kind === 'auto' ? accuracyKind(yTrue, yPred) : this.kind;
    const truth = yTrue.data();
    const pred = yPred.data();
    const rows = yPred.shape[0] ?? 1;
    if (kind === 'binary') {
      if (truth.length !== pred.length) throw new Error(`${this.name}: targets ${fmt(yTrue)} and predictions ${fmt(yPred)} differ in size`);
      pred.forEach((p, i) => (this.correct += Number(p > this.context.threshold) === Number(truth[i]! > 0.5) ? 1 : 0));
      this.total += pred.length;
      return;
    }
    const columns = yPred.shape[yPred.ndim - 1]!;
    const predicted = argmaxRows(pred, rows, columns);
    const actual = kind === 'sparse' ? truth : argmaxRows(truth, rows, columns);
    if (actual.length !== rows) throw new Error(`${this.name}: ${actual.length} targets for ${rows} predictions of shape ${fmt(yPred)}`);
    for (let r = 0; r < rows; r++) if (predicted[r] === actual[r]) this.correct++;
    this.total += rows;
  }
  result(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
}

/** Mean squared or absolute error over every element. */
class MeanError implements Metric {
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, private readonly power: 1 | 2) {}
  reset(): void {
    this.sum = 0;
    this.count = 0;
  }
  update(yTrue: Tensor, yPred: Tensor): void {
    const truth = yTrue.data();
    const pred = yPred.data();
    if (truth.length !== pred.length) throw new Error(`${this.name}: targets ${fmt(yTrue)} and predictions ${fmt(yPred)} differ in size`);
    pred.forEach((p, i) => (this.sum += Math.abs(p - truth[i]!) ** this.power));
    this.count += pred.length;
  }
  result(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

/** Precision (TP / (TP + FP)) or recall (TP / (TP + FN)) of binary predictions at the threshold. */
class BinaryRate implements Metric {
  private truePositives = 0;
  private falseCount = 0;
  constructor(readonly name: 'precision' | 'recall', private readonly context: MetricContext) {}
  reset(): void {
    this.truePositives = 0;
    this.falseCount = 0;
  }
  update(yTrue: Tensor, yPred: Tensor): void {
    const truth = yTrue.data();
    const pred = yPred.data();
    if (truth.length !== pred.length) throw new Error(`${this.name}: targets ${fmt(yTrue)} and predictions ${fmt(yPred)} differ in size`);
    pred.forEach((p, i) => {
      const predictedPositive = p > this.context.threshold;
      const actualPositive = truth[i]! > 0.5;
      if (predictedPositive && actualPositive) this.truePositives++;
      else if (this.name === 'precision' ? predictedPositive : actualPositive) this.falseCount++;
    });
  }
  result(): number {
    const denominator = this.truePositives + this.falseCount;
    return denominator === 0 ? 0 : this.truePositives / denominator;
  }
}

/**
 * Keras's `AUC()`: the area under the ROC curve, by the trapezoid rule over 200 thresholds (-1e-7,
 * 1/199, 2/199, ..., 198/199, 1 + 1e-7); a prediction above a threshold counts as positive. This is
 * Keras's approximation (`keras.metrics.AUC(num_thresholds=200)`), not the exact ROC AUC of
 * scikit-learn: predictions that fall between two thresholds are not told apart.
 */
class Auc implements Metric {
  static readonly THRESHOLDS = Float64Array.from({ length: 200 }, (_, i) => (i === 0 ? -1e-7 : i === 199 ? 1 + 1e-7 : i / 199));
  readonly name = 'auc';
  private readonly positivesAbove = new Float64Array(200);
  private readonly negativesAbove = new Float64Array(200);
  private positives = 0;
  private negatives = 0;
  constructor(private readonly context: MetricContext) {}
  reset(): void {
    this.positivesAbove.fill(0);
    this.negativesAbove.fill(0);
    this.positives = 0;
    this.negatives = 0;
  }
  update(yTrue: Tensor, yPred: Tensor): void {
    const truth = yTrue.data();
    const pred = yPred.data();
    if (truth.length !== pred.length) throw new Error(`${this.name}: targets ${fmt(yTrue)} and predictions ${fmt(yPred)} differ in size`);
    pred.forEach((raw, i) => {
      const p = this.context.fromLogits === true ? 1 / (1 + Math.exp(-raw)) : raw;
      const positive = truth[i]! > 0.5;
      if (positive) this.positives++;
      else this.negatives++;
      const above = positive ? this.positivesAbove : this.negativesAbove;
      for (let t = 0; t < Auc.THRESHOLDS.length && p > Auc.THRESHOLDS[t]!; t++) above[t]!++;
    });
  }
  result(): number {
    // ROC points (false positive rate, true positive rate) per threshold, from (1, 1) down to (0, 0);
    // a rate with no samples behind it is 0, as Keras's divide_no_nan.
    const rate = (count: number, total: number): number => (total === 0 ? 0 : count / total);
    let area = 0;
    for (let t = 0; t + 1 < Auc.THRESHOLDS.length; t++) {
      const width = rate(this.negativesAbove[t]!, this.negatives) - rate(this.negativesAbove[t + 1]!, this.negatives);
      area += (width * (rate(this.positivesAbove[t]!, this.positives) + rate(this.positivesAbove[t + 1]!, this.positives))) / 2;
    }
    return area;
  }
}

/** Wraps a metric so that a NaN prediction or target makes its result NaN until reset. */
class NaNPropagating implements Metric {
  private sawNaN = false;
  constructor(private readonly inner: Metric) {}
  get name(): string {
    return this.inner.name;
  }
  reset(): void {
    this.inner.reset();
    this.sawNaN = false;
  }
  update(yTrue: Tensor, yPred: Tensor): void {
    this.inner.update(yTrue, yPred);
    this.sawNaN ||= yPred.data().some(Number.isNaN) || yTrue.data().some(Number.isNaN);
  }
  result(): number {
    return this.sawNaN ? NaN : this.inner.result();
  }
}

function makeCounter(name: MetricName, context: MetricContext): Metric {
  switch (name) {
    case 'accuracy': return new Accuracy(name, 'auto', context);
    case 'binaryAccuracy': return new Accuracy(name, 'binary', context);
    case 'categoricalAccuracy': return new Accuracy(name, 'categorical', context);
    case 'sparseCategoricalAccuracy': return new Accuracy(name, 'sparse', context);
    case 'mse': return new MeanError(name, 2);
    case 'mae': return new MeanError(name, 1);
    case 'precision':
    case 'recall': return new BinaryRate(name, context);
    case 'auc': return new Auc(context);
  }
}

/** Makes a metric by name (the names Keras's `compile` takes, in camelCase). */
export function makeMetric(name: MetricName, context: MetricContext): Metric {
  return new NaNPropagating(makeCounter(name, context));
}
