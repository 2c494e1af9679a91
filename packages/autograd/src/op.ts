/**
 * The op record: every differentiable operation is one value holding its forward (a kernel call) and
 * its backward rule side by side. The test spec that the property suite uses to check it is in the
 * record too, or, for the families whose methods every bundle holds, in a table beside the records
 * (`OpSpecs`) that the registry joins to them, so that bundles leave the test code out.
 *
 * Composite operations (mean, logSumExp, stack, ...) are not records: they are plain functions built
 * from these primitives, so their gradients follow from the primitives' rules.
 */
import { checksForwardAnomalies, isAnomalyDetectionEnabled, isGradEnabled } from './mode.js';
import { checkForwardAnomaly, recordCallSite } from './anomaly.js';
import { Node } from './graph-node.js';
import { recordOnTape } from './tape.js';
import { activeTracer, tracedForward } from './trace.js';
import { AllocationError } from './dtype.js';
import type { Tensor } from './tensor.js';
import type { DType } from './dtype.js';
import type { OpTestSpec } from './check/spec.js';
import type { Arithmetic } from './kernels/elementwise.js';

/** What a backward rule sees of the forward call. */
export interface OpContext<Attrs> {
  /** The inputs of the forward call. */
  readonly inputs: readonly Tensor[];
  /** The output of the forward call. */
  readonly output: Tensor;
  /** The op's non-tensor arguments (axes, shapes, ...). */
  readonly attrs: Attrs;
  /** Whether each input needs a gradient; a rule may skip the work for the others and return null. */
  readonly needsInputGrad: readonly boolean[];
}

/** One primitive operation. Written with method syntax so records of different `Attrs` share a table. */
export interface OpRecord<Attrs = undefined> {
  readonly name: string;
  /** Computes the output from the inputs with kernels; it records nothing. */
  forward(inputs: readonly Tensor[], attrs: Attrs): Tensor;
  /**
   * One gradient per input (or null for none), written with Tensor ops so that it is itself
   * differentiable. A gradient may have the output's broadcast shape: the engine sums it back.
   */
  backward(grad: Tensor, ctx: OpContext<Attrs>): (Tensor | null)[];
  /**
   * Optional: the same rule on plain numbers, one formula per input, for the scalar fast path of
   * the engine (see `ScalarRule`). `backward` stays the definition: it is what a recorded backward
   * pass (createGraph) and every non-scalar call use, and the property suite checks that the two agree
   * bit for bit.
   */
  readonly scalarBackward?: readonly ScalarRule[];
  /**
   * Optional, with `scalarBackward`: the forward on the values of rank-0 inputs of one dtype (`b` is
   * 0 for a unary op), for the scalar tape of the engine. It must give exactly what `forward` gives,
   * once rounded to the dtype.
   */
  readonly scalarForward?: (a: number, b: number) => number;
  /**
   * Optional: which of the four arithmetic ops this op is, so that the tape computes its forward and
   * backward inline rather than through calls that box every number (the bulk of a scalar graph is
   * adds and multiplies). The inline forms are the scalar forms: the property suite checks them too.
   */
  readonly scalarArithmetic?: Arithmetic;
}

/** The numbers of a rank-0 op call, as a scalar rule sees them. */
export interface ScalarCall {
  /** The gradient of the output. */
  grad: number;
  /** The values of the first input, the second (0 for a unary op), and the output. */
  a: number;
  b: number;
  output: number;
}

/**
 * The gradient of one input of a rank-0 op, times `call.grad`, on plain numbers. The engine uses it
 * in a backward pass that records nothing, when the output and the inputs are rank-0 and share one
 * dtype. It must compute exactly what the tensor rule computes: the same operations in the same
 * order, each one's result passed through `round` (Math.fround in float32, the identity in
 * float64), as each tensor op rounds its result to the dtype. (The numbers come in an object, not as
 * arguments, so that calling a rule boxes none of them.)
 */
export type ScalarRule = (call: ScalarCall, round: (v: number) => number) => number;

/** The names of Tensor's methods (its op methods and the class's own). */
export type TensorMethodName = { [K in keyof Tensor]: Tensor[K] extends (...args: never[]) => unknown ? K : never }[keyof Tensor];

/**
 * What docs/ops.md says of an op, kept beside the op so that the page cannot drift from the code
 * (the page is generated from these, see docs/contributing.md).
 */
export interface OpDoc {
  /** PyTorch's name for the same operation, as a PyTorch user would write it (`torch.exp`, `x[a:b]`). */
  readonly torch: string;
  /**
   * The name of the Tensor method that calls this op (`x.exp()`), when API.md gives it one. A name
   * that is not a method of Tensor does not compile.
   */
  readonly method?: TensorMethodName;
  /** Kinks, ties, special values and where the op differs from PyTorch's. */
  readonly notes?: string;
  /** The dtypes the op takes; all three when absent. */
  readonly dtypes?: readonly DType[];
  /** Set on an op the package does not export (it serves other ops); docs/ops.md leaves it out. */
  readonly internal?: true;
}

/**
 * The docs of an op family, one per record of `Records`: a mapped type over the records' names, so
 * that `tsc` rejects a family whose table lacks a record's doc. The table sits beside the records,
 * not inside them, so that a bundle, which never reads it, leaves its text out.
 */
export type OpDocs<Records> = { readonly [Name in keyof Records]: OpDoc };

/**
 * The test specs of an op family, one per record of `Records`, as a table beside the records (a
 * mapped type over their names, so that `tsc` rejects a family whose table lacks a record's spec).
 * Apart from the records for the reason the docs are: a bundle never reads it, so it leaves the
 * table, and the sampling code that only it calls, out. ops/registry.ts joins each spec to its record.
 */
export type OpSpecs<Records> = { readonly [Name in keyof Records]: OpTestSpec<Records[Name] extends OpRecord<infer Attrs> ? Attrs : never> };

/** A built-in op: its record must also say how the property suite draws valid inputs for it. */
export interface BuiltinOp<Attrs = undefined> extends OpRecord<Attrs> {
  readonly spec: OpTestSpec<Attrs>;
}

/**
 * Runs an op: the forward, then, if recording and any input requires grad, a graph node. A rank-0
 * op with scalar rules is recorded on the engine's scalar tape instead when it can be (see `Tape`).
 */
export function apply<Attrs>(op: OpRecord<Attrs>, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  if (op.scalarForward !== undefined && attrs === undefined && (inputs.length === 1 || inputs.length === 2) && activeTracer() === null) {
    const taped = recordOnTape(op as OpRecord<unknown>, inputs[0]!, inputs.length === 2 ? inputs[1]! : null);
    if (taped !== null) return taped;
  }
  return applyRecorded(op, inputs, attrs);
}

/** A unary op with scalar rules: `apply` without making an inputs array on the scalar tape. */
export function applyUnary(op: OpRecord, x: Tensor): Tensor {
  return (activeTracer() === null ? recordOnTape(op as OpRecord<unknown>, x, null) : null) ?? applyRecorded(op, [x], undefined);
}

/** A binary op with scalar rules: `apply` without making an inputs array on the scalar tape. */
export function applyBinary(op: OpRecord, a: Tensor, b: Tensor): Tensor {
  return (activeTracer() === null ? recordOnTape(op as OpRecord<unknown>, a, b) : null) ?? applyRecorded(op, [a, b], undefined);
}

/** Runs the forward; storage that could not be made is reported under the op's name. */
function forwardNamingAllocations<Attrs>(op: OpRecord<Attrs>, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  try {
    return op.forward(inputs, attrs);
  } catch (error) {
    throw error instanceof AllocationError ? error.relabel(op.name) : error;
  }
}

/**
 * `apply` with a graph node (not the tape). An int32 result (a cast to int32) records none: int32
 * tensors never require grad, so no gradient flows back through one.
 */
function applyRecorded<Attrs>(op: OpRecord<Attrs>, inputs: readonly Tensor[], attrs: Attrs): Tensor {
  // While a trace runs (traceOps), the call is reported to it; otherwise this is one null check.
  const output = activeTracer() === null
    ? forwardNamingAllocations(op, inputs, attrs)
    : tracedForward(op.name, inputs, attrs, () => forwardNamingAllocations(op, inputs, attrs));
  const anomalyDetection = isAnomalyDetectionEnabled();
  if (anomalyDetection && checksForwardAnomalies()) checkForwardAnomaly(op.name, inputs, output);
  if (isGradEnabled() && !(output.storage instanceof Int32Array)) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]!.requiresGrad) {
        output.requiresGrad = true;
        const node = new Node(op as OpRecord<unknown>, inputs, attrs, output);
        output.producer = node;
        if (anomalyDetection) recordCallSite(node);
        break;
      }
    }
  }
  return output;
}
