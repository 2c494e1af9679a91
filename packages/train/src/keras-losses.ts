/**
 * The losses `compile` knows by name, with Keras's semantics: `categoricalCrossentropy` takes one-hot
 * (or probability) targets, `sparseCategoricalCrossentropy` class indices, `binaryCrossentropy` 0/1
 * targets; all three expect probabilities unless `fromLogits: true`. Probabilities are clipped to
 * [1e-7, 1 - 1e-7] (Keras's epsilon) so that a saturated softmax never gives NaN or Infinity.
 */
import { checkOptions, tensor, type Tensor } from '@nn/autograd';
import { crossEntropyOfLogits, crossEntropyOfProbabilities } from '@nn/layers';

/** Keras's epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON]. */
const EPSILON = 1e-7;

/** A loss: the mean over the batch of a per-sample loss, as a one-element tensor. */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

export type LossName = 'mse' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy';
export const LOSS_NAMES: readonly LossName[] = ['mse', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy', 'binaryCrossentropy'];

export interface LossSpec {
  name: LossName;
  /** The model outputs logits rather than probabilities (default false). */
  fromLogits?: boolean;
}

const fmt = (t: Tensor): string => `[${t.shape.join(',')}]`;

/** Keras's `clip(p, epsilon, 1 - epsilon)`: the gradient passes inside the bounds, as TensorFlow's. */
function clipProbabilities(p: Tensor): Tensor {
  return p.clamp(EPSILON, 1 - EPSILON);
}

function checkSameShape(name: string, yTrue: Tensor, yPred: Tensor): void {
  if (yTrue.ndim !== yPred.ndim || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    throw new Error(`${name}: targets of shape ${fmt(yTrue)} do not match predictions of shape ${fmt(yPred)}`);
  }
}

/** Class indices [N] (or [N, 1]) as one-hot rows of width `classes`, checked. */
function oneHotTargets(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  const n = yPred.shape[0]!;
  const classes = yPred.shape[yPred.ndim - 1]!;
  const labels = yTrue.ndim === 2 && yTrue.shape[1] === 1 ? yTrue.reshape([-1]) : yTrue;
  if (yPred.ndim !== 2 || labels.ndim !== 1 || labels.shape[0] !== n) {
    throw new Error(`${name}: expected class indices of shape [${n}] for predictions of shape ${fmt(yPred)}, got ${fmt(yTrue)}`);
  }
  const values = labels.data();
  const hot = new Float64Array(n * classes);
  values.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new Error(`${name}: target ${label} at row ${i} is not a class index in [0, ${classes})`);
    }
    hot[i * classes + label] = 1;
  });
  return tensor(hot, { shape: [n, classes], dtype: yPred.dtype });
}

/** The cross-entropy of one-hot (or probability) targets, averaged over the batch: one fused op each way. */
function categorical(target: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  return fromLogits ? crossEntropyOfLogits(target, yPred) : crossEntropyOfProbabilities(target, yPred);
}

/** The keys of a `LossSpec`. */
export const LOSS_SPEC_KEYS = ['name', 'fromLogits'];

/** Makes the loss function for a name (and fromLogits). */
export function makeLoss(spec: LossSpec): LossFn {
  checkOptions('makeLoss', spec, LOSS_SPEC_KEYS);
  const fromLogits = spec.fromLogits ?? false;
  switch (spec.name) {
    case 'mse':
      return (yTrue, yPred) => {
        checkSameShape('mse', yTrue, yPred);
        return yPred.sub(yTrue).square().mean();
      };
    case 'categoricalCrossentropy':
      return (yTrue, yPred) => {
        checkSameShape('categoricalCrossentropy', yTrue, yPred);
        return categorical(yTrue, yPred, fromLogits);
      };
    case 'sparseCategoricalCrossentropy':
      return (yTrue, yPred) => categorical(oneHotTargets('sparseCategoricalCrossentropy', yTrue, yPred), yPred, fromLogits);
    case 'binaryCrossentropy':
      return (yTrue, yPred) => {
        const target = yTrue.ndim === yPred.ndim - 1 ? yTrue.unsqueeze(-1) : yTrue;
        checkSameShape('binaryCrossentropy', target, yPred);
        if (fromLogits) {
          // max(x, 0) - x y + log(1 + e^-|x|): finite for any logit.
          return yPred.relu().sub(yPred.mul(target)).add(yPred.abs().neg().exp().add(1).log()).mean();
        }
        const p = clipProbabilities(yPred);
        return target.mul(p.log()).add(target.neg().add(1).mul(p.neg().add(1).log())).mean().neg();
      };
  }
}
