import type { OpContext, OpRecord } from './op.js';
import type { Tensor } from './tensor.js';

/** Whether ops record a graph. Off inside `noGrad`, and while a backward pass runs without `createGraph`. */
let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with recording set to `enabled`, restoring the previous mode afterwards (also on throw). */
export function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Runs `fn` without recording a graph: results of ops inside do not require grad.
 * Use it for inference and for parameter updates.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

let anomalyDetection = false;

/** How many backward rules are running: their ops are checked as the rule's result, not one by one. */
let rulesRunning = 0;

export function isAnomalyDetectionEnabled(): boolean {
  return anomalyDetection;
}

/** True when an op's forward result should be checked: anomaly detection on, outside backward rules. */
export function checksForwardAnomalies(): boolean {
  return anomalyDetection && rulesRunning === 0;
}

/**
 * Runs a backward rule. Under anomaly detection a non-finite gradient is blamed on the rule (its
 * result is checked), not on the ops the rule happens to use.
 */
export function runRule<Attrs>(op: OpRecord<Attrs>, grad: Tensor, ctx: OpContext<Attrs>): (Tensor | null)[] {
  rulesRunning++;
  try {
    return op.backward(grad, ctx);
  } finally {
    rulesRunning--;
  }
}

/**
 * Runs `fn` with anomaly detection: the first op whose forward turns finite inputs into a NaN or an
 * infinity, and the first backward rule that returns a non-finite gradient from a finite one, throw
 * an error naming the op, the tensor's shape, the first bad element, and the stack where the op was
 * called. It scans every result and records a stack per op, so it is slow: a debugging aid.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = anomalyDetection;
  anomalyDetection = true;
  try {
    return fn();
  } finally {
    anomalyDetection = previous;
  }
}
