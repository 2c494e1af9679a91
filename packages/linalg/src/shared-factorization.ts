/**
 * Several outputs of one factorization (Q and R; eigenvalues and eigenvectors; U, S and Vh), each a
 * registered op of its own on the same input, so that each has its own backward rule. The engine
 * sums their gradients, which is exact because each published rule is linear in the cotangents, and
 * an output that is not used adds nothing: a rule whose terms divide by eigenvalue gaps never runs
 * for a loss of the eigenvalues alone, so that gradient stays exact when eigenvalues repeat (as
 * PyTorch's, which skips undefined cotangents).
 */
import { defineOp, isGradEnabled, type Tensor } from '@nn/autograd';

/**
 * The gradient of the input from one output's cotangent. `outputs` are all the outputs as the graph
 * holds them (so that a rule written with them differentiates again), `input` is the input.
 */
export type OutputRule = (grad: Tensor, outputs: readonly Tensor[], input: Tensor) => Tensor;

/**
 * `values` (computed without recording) as outputs of `input` in the graph, output i with `rules[i]`
 * as its backward rule. When nothing is recorded the values are returned as they are.
 */
export function shareFactorization(name: string, input: Tensor, values: readonly Tensor[], rules: readonly OutputRule[]): Tensor[] {
  if (!input.requiresGrad || !isGradEnabled()) return [...values];
  const outputs: Tensor[] = [];
  values.forEach((value, i) => {
    const op = defineOp({
      name,
      forward: () => value,
      backward: (grad, { inputs }) => [rules[i]!(grad, outputs, inputs[0]!)],
    });
    outputs.push(op(input));
  });
  return outputs;
}
