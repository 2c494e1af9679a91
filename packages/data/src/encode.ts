/** Encodings of features and labels: one-hot labels, standardized features. */
import { describeValue, getDefaultDtype, tensor, type DType, type Tensor } from '@nn/autograd';

/**
 * One-hot rows for class labels: `labels` (shape [N], values 0..numClasses-1: an int32 tensor, a
 * float tensor of integer values, or an array) gives [N, numClasses] with a 1 at each label. The
 * dtype is a float labels tensor's own, else (int32 labels, an array) the default float dtype.
 */
export function oneHot(labels: Tensor | readonly number[], numClasses: number): Tensor {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`oneHot: numClasses must be a positive integer, got ${describeValue(numClasses)}`);
  const isArray = Array.isArray(labels);
  if (!isArray && (labels as Tensor).ndim !== 1) {
    throw new Error(`oneHot: labels must have shape [N], got [${(labels as Tensor).shape.join(',')}]`);
  }
  const values: ArrayLike<number> = isArray ? (labels as readonly number[]) : (labels as Tensor).data();
  const given = isArray ? 'int32' : (labels as Tensor).dtype;
  const dtype: DType = given === 'int32' ? getDefaultDtype() : given;
  const out = new Float64Array(values.length * numClasses);
  for (let i = 0; i < values.length; i++) {
    const label = values[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(`oneHot: label ${label} at index ${i} is not an integer in [0, ${numClasses})`);
    }
    out[i * numClasses + label] = 1;
  }
  return tensor(out, { shape: [values.length, numClasses], dtype });
}

/** Standardized features and the statistics to apply the same scaling to other data. */
export interface Standardized {
  /** The standardized training features: each column has mean 0 and standard deviation 1. */
  x: Tensor;
  /** The per-column mean of the training features, shape [columns]. */
  mean: Tensor;
  /** The per-column standard deviation (population, as scikit-learn's StandardScaler; 1 for a constant column). */
  std: Tensor;
  /** Scales other data (a test set) with the training statistics. */
  apply(x: Tensor): Tensor;
}

/**
 * Fits per-column mean and standard deviation on `x` (shape [N, columns]) and returns the
 * standardized `x` with an `apply` for test data, so that the test set is scaled by what was learnt
 * on the training set only.
 */
export function standardize(x: Tensor): Standardized {
  if (x.ndim !== 2 || x.shape[0] === 0) throw new Error(`standardize: expected features of shape [N, columns] with N >= 1, got [${x.shape.join(',')}]`);
  const mean = x.mean(0);
  const variance = x.sub(mean).square().mean(0);
  // A constant column has standard deviation 0: leave it centred but unscaled, as scikit-learn does.
  const std = variance.sqrt().add(variance.eq(0));
  const apply = (other: Tensor): Tensor => {
    if (other.ndim !== 2 || other.shape[1] !== x.shape[1]) {
      throw new Error(`standardize: apply expected features of shape [N, ${x.shape[1]}], got [${other.shape.join(',')}]`);
    }
    return other.sub(mean).div(std);
  };
  return { x: apply(x), mean, std, apply };
}
