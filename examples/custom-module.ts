/**
 * A user-defined module: a residual MLP block (x + W2 relu(W1 x)), stacked into a small network and
 * trained with Adam on a regression problem. Parameters are found from the fields, with dotted
 * names; the state dict saves and restores them.
 *
 * Run: node build/examples/custom-module.js
 */
import { Generator, manualSeed, noGrad, tensor, type Tensor } from '@nn/autograd';
import { Dense, LayerNorm, Module, mseLoss, Sequential } from '@nn/layers';
import { Adam } from '@nn/optim';

/** y = x + fc2(relu(fc1(norm(x)))): the block learns a correction to its input. */
class ResidualBlock extends Module {
  readonly norm: LayerNorm;
  readonly fc1: Dense;
  readonly fc2: Dense;

  constructor(width: number, hidden: number) {
    super();
    this.norm = new LayerNorm([width]);
    this.fc1 = new Dense(width, hidden);
    this.fc2 = new Dense(hidden, width);
  }

  forward(x: Tensor): Tensor {
    return x.add(this.fc2.call(this.fc1.call(this.norm.call(x)).relu()));
  }
}

manualSeed(11);
const net = new Sequential([new Dense(2, 16), new ResidualBlock(16, 32), new ResidualBlock(16, 32), new Dense(16, 1)]);
console.log(net.toString());
console.log(`parameters: ${net.namedParameters().map(([name, p]) => `${name} [${p.shape.join(',')}]`).join(', ')}`);

// The target: y = sin(3 x1) + x2^2 on [-1, 1]^2.
const rng = new Generator(5);
const points = Array.from({ length: 256 }, () => [2 * rng.uniform() - 1, 2 * rng.uniform() - 1]);
const x = tensor(points);
const y = tensor(points.map(([a, b]) => [Math.sin(3 * a!) + b! * b!]));

const optimizer = new Adam(net.parameters(), { lr: 0.01 });
for (let step = 0; step <= 300; step++) {
  optimizer.zeroGrad();
  const loss = mseLoss(net.call(x), y);
  loss.backward();
  optimizer.step();
  if (step % 50 === 0) console.log(`step ${String(step).padStart(3)}: mean squared error ${loss.item().toExponential(3)}`);
}

// Save, disturb, restore: the state dict round trip.
const saved = net.stateDict();
const before = noGrad(() => mseLoss(net.call(x), y).item());
noGrad(() => net.parameters().forEach((p) => p.assign(0)));
net.loadStateDict(saved);
const after = noGrad(() => mseLoss(net.call(x), y).item());
console.log(`restored from the state dict: loss ${after.toExponential(3)} (before saving ${before.toExponential(3)})`);
