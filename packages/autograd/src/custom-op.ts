/**
 * defineOp: user-defined differentiable ops, on the same path as the built-in ones (an op record
 * run by `apply`, its backward called by the engine).
 */
import type { OpRecord } from './op.js';
import { apply } from './op.js';
import { noGrad } from './mode.js';
import { forgetFreshStorages } from './dtype.js';
import { Tensor, type TensorLike } from './tensor.js';
import { dtypeAmong, toTensor } from './ops/creation.js';
import { describeValue } from './describe-value.js';

/** What a custom op's backward sees of the forward call. */
export interface CustomOpContext {
  /** The inputs of the forward call. */
  readonly inputs: readonly Tensor[];
  /** The output of the forward call. */
  readonly output: Tensor;
  /** Whether each input needs a gradient; the rule may return null for the others. */
  readonly needsInputGrad: readonly boolean[];
}

/** A custom op: its forward and, beside it, its backward rule. */
export interface CustomOpDefinition {
  /** Names the op in errors, anomaly reports and gradcheck reports. */
  name: string;
  /** Computes the output from the input tensors. Runs under no-grad: nothing inside is recorded. */
  forward: (...inputs: Tensor[]) => Tensor;
  /**
   * One gradient per input (a Tensor, or null for none) given the output's gradient. Write it with
   * Tensor ops: then the op is differentiable twice and gradgradcheck can verify it. A gradient may
   * have the broadcast output's shape; the engine sums it back to the input's shape.
   */
  backward: (grad: Tensor, ctx: CustomOpContext) => (Tensor | null)[];
}

/**
 * Defines a differentiable op. The returned function takes tensors (a JS number takes the promoted
 * dtype of the tensor arguments, the default dtype when there are none) and records the op in the graph when any input requires grad.
 *
 * ```ts
 * const cube = defineOp({
 *   name: 'cube',
 *   forward: (x) => x.mul(x).mul(x),
 *   backward: (grad, { inputs: [x] }) => [grad.mul(x.square()).mul(3)],
 * });
 * ```
 */
export function defineOp(definition: CustomOpDefinition): (...inputs: TensorLike[]) => Tensor {
  const { name, forward, backward } = definition;
  if (typeof name !== 'string' || name === '') throw new Error('defineOp: name must be a non-empty string');
  if (typeof forward !== 'function' || typeof backward !== 'function') {
    throw new Error(`defineOp '${name}': forward and backward must be functions`);
  }
  const record: OpRecord = {
    name,
    forward(inputs) {
      const output = noGrad(() => forward(...inputs));
      if (!(output instanceof Tensor)) throw new Error(`defineOp '${name}': forward returned ${describeValue(output)}; expected a Tensor`);
      // The output becomes this op's result in the graph: never mark an input or a shared tensor.
      const owned = inputs.includes(output) || output.node !== null || output.requiresGrad;
      return owned ? new Tensor(output.storage, output.shape, output.strides, output.offset) : output;
    },
    backward(grad, ctx) {
      const grads = backward(grad, ctx);
      // The user's rule may keep the gradient it was given or what it returns (see dtype.ts).
      if (Array.isArray(grads)) forgetFreshStorages([grad, ...grads.map((g: unknown) => (g instanceof Tensor ? g : null))]);
      if (!Array.isArray(grads) || grads.length !== ctx.inputs.length) {
        const got = Array.isArray(grads) ? `${grads.length} gradients` : String(grads);
        throw new Error(`defineOp '${name}': backward returned ${got} for ${ctx.inputs.length} inputs; return one Tensor or null per input`);
      }
      return grads;
    },
  };
  return (...args: TensorLike[]): Tensor => {
    const dtype = dtypeAmong(args);
    return apply(record, args.map((arg) => toTensor(arg, name, dtype)), undefined);
  };
}
