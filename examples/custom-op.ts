/**
 * A custom op, verified: softplus(x) = log(1 + e^x), written in a form that never overflows, with its
 * backward rule beside it; then checked with one call to gradcheck (and gradgradcheck for the second
 * order), property-tested with @nn/autograd/testing, and, for contrast, a buggy version and the
 * report that points at its bug.
 *
 * Run: node build/examples/custom-op.js   (after npm run build)
 */
import fc from 'fast-check';
import { assertGradcheck, assertGradgradcheck, defineOp, gradcheck, tensor } from '@nn/autograd';
import { gradcheckProperty, shapeArb, tensorArb } from '@nn/autograd/testing';

/**
 * softplus(x) = max(x, 0) + log(1 + e^-|x|): equal to log(1 + e^x), but e^-|x| <= 1, so it is finite
 * at x = 1000. Its derivative is sigmoid(x), written with tensor ops so it can be differentiated again.
 */
const softplus = defineOp({
  name: 'softplus',
  forward: (x) => x.relu().add(x.abs().neg().exp().add(1).log()),
  backward: (grad, { inputs: [x] }) => [grad.mul(x!.sigmoid())],
});

// 1. One call each: gradcheck compares the rule with central finite differences (float64 inputs).
const x = tensor([-2, -0.5, 0.3, 1.7, 4], { dtype: 'float64' });
console.log(assertGradcheck(softplus, [x]).message);
console.log(assertGradgradcheck(softplus, [x]).message);

// 2. A property test over random shapes (rank 0 to 4) and values, seeded so that it replays.
fc.assert(gradcheckProperty(softplus, [tensorArb(shapeArb(), { domain: 'uniform' })]), { numRuns: 50, seed: 42 });
console.log('property: softplus passed gradcheck and gradgradcheck on 50 random tensors');

// 3. Large inputs stay finite.
console.log(`softplus(1000) = ${softplus(tensor([1000], { dtype: 'float64' })).item()}`);

// 4. A planted bug: the derivative of softplus written as tanh instead of sigmoid.
const buggy = defineOp({
  name: 'buggySoftplus',
  forward: (x) => x.relu().add(x.abs().neg().exp().add(1).log()),
  backward: (grad, { inputs: [x] }) => [grad.mul(x!.tanh())],
});
const report = gradcheck(buggy, [x]);
console.log(`buggy version: ok = ${report.ok}`);
console.log(report.message);
