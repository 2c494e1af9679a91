/**
 * The course notes' first network: predicting a customer's bank transactions from two inputs (their
 * number of children and of accounts). First by hand: fixed weights, a ReLU hidden layer, the
 * prediction and the error `predicted - actual`. Then the same network shape trained with SGD on a
 * small synthetic data set, the loss falling epoch by epoch.
 *
 * Run: node build/examples/bank-network.js
 */
import { Generator, manualSeed, tensor } from '@nn/autograd';
import { Dense, mseLoss, ReLU, Sequential } from '@nn/layers';
import { SGD } from '@nn/optim';

// 1. Forward propagation with the notes' weights: hidden nodes [1, 1] and [-1, 1], output [2, -1].
const net = new Sequential([new Dense(2, 2, { bias: false }), new ReLU(), new Dense(2, 1, { bias: false })]);
net.loadStateDict({
  '0.weight': tensor([[1, 1], [-1, 1]]),
  '2.weight': tensor([[2, -1]]),
});
const input = tensor([[3, 2]]); // 3 children, 2 accounts
const hidden = net.layers[1]!.call(net.layers[0]!.call(input));
const predicted = net.call(input).item();
const actual = 13;
console.log(`input [3, 2]: hidden layer after ReLU ${JSON.stringify((hidden.toArray() as number[][])[0])}, predicted ${predicted} transactions`);
console.log(`actual ${actual}: error (predicted - actual) ${predicted - actual}`);

// 2. Training: customers whose transactions grow with accounts and shrink with children, plus noise.
const rng = new Generator(3);
const rows: number[][] = [];
const targets: number[] = [];
for (let i = 0; i < 200; i++) {
  const children = Math.floor(rng.uniform() * 4);
  const accounts = 1 + Math.floor(rng.uniform() * 5);
  rows.push([children, accounts]);
  targets.push(Math.max(0, 4 * accounts - 1.5 * children + 2 + 0.5 * rng.normal()));
}
const x = tensor(rows);
const y = tensor(targets, { shape: [targets.length, 1] });
manualSeed(3); // the initial weights

const model = new Sequential([new Dense(2, 8), new ReLU(), new Dense(8, 1)]);
const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
for (let epoch = 0; epoch <= 100; epoch++) {
  optimizer.zeroGrad();
  const loss = mseLoss(model.call(x), y);
  loss.backward();
  optimizer.step();
  if (epoch % 20 === 0) console.log(`epoch ${String(epoch).padStart(3)}: mean squared error ${loss.item().toFixed(4)}`);
}
const prediction = model.call(tensor([[3, 2]])).item();
console.log(`trained network: a customer with 3 children and 2 accounts makes about ${prediction.toFixed(1)} transactions`);
