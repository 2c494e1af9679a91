/**
 * LeNet-5 as examples/lenet.ts builds it (used by examples/keras-mnist.ts and the lenet-step
 * benchmark), on synthetic 28x28 inputs: the shapes layer by layer, PyTorch's parameter names and
 * counts, and one SGD step that reaches every parameter and lowers the loss on its batch.
 * (Each layer is checked against PyTorch by its own fixture tests.)
 */
import { describe, expect, test } from 'vitest';
import { Generator, rand, tensor, type Tensor } from '@nn/autograd';
import { crossEntropy } from '@nn/layers';
import { SGD } from '@nn/optim';
import { lenet5 } from '../examples/lenet.js';

const rng = new Generator(28);
const batch = 4;
const images = rand([batch, 1, 28, 28], { rng, dtype: 'float64' });
const labels = tensor([3, 1, 4, 1], { dtype: 'int32' });

describe('lenet5', () => {
  for (const [padding, flat, total] of [[2, 400, 61_706], [0, 256, 44_426]] as const) {
    test(`padding ${padding}: shapes, parameters, and ${flat} flattened features`, () => {
      const net = lenet5({ padding, rng: new Generator(1), dtype: 'float64' });
      const summary = net.summary([1, 28, 28]);
      const side = padding === 2 ? 28 : 24;
      expect(summary).toMatch(new RegExp(`0 \\(Conv2d\\) +\\[1,6,${side},${side}\\] +156`));
      expect(summary).toMatch(new RegExp(`2 \\(MaxPool2d\\) +\\[1,6,${side / 2},${side / 2}\\]`));
      expect(summary).toMatch(/3 \(Conv2d\) +\[1,16,\d+,\d+\] +2,416/);
      expect(summary).toMatch(new RegExp(`6 \\(Flatten\\) +\\[1,${flat}\\]`));
      expect(summary).toMatch(/11 \(Dense\) +\[1,10\] +850/);
      expect(summary).toContain(`Total params: ${total.toLocaleString('en-US')}`);
      const shapes = Object.fromEntries(Object.entries(net.stateDict()).map(([k, v]) => [k, v.shape]));
      expect(shapes).toEqual({
        '0.weight': [6, 1, 5, 5], '0.bias': [6], '3.weight': [16, 6, 5, 5], '3.bias': [16],
        '7.weight': [120, flat], '7.bias': [120], '9.weight': [84, 120], '9.bias': [84], '11.weight': [10, 84], '11.bias': [10],
      });
      expect(net.call(images).shape).toEqual([batch, 10]);
    });
  }

  test('one SGD step reaches every parameter and lowers the loss on its batch', () => {
    const net = lenet5({ padding: 0, rng: new Generator(2), dtype: 'float64' });
    const optimizer = new SGD(net.parameters(), { lr: 0.05 });
    const loss = (): Tensor => crossEntropy(net.call(images), labels);
    const before = loss();
    before.backward();
    for (const [name, p] of net.namedParameters()) {
      expect(p.grad, name).not.toBeNull();
      const g = p.grad!.data();
      expect(g.every(Number.isFinite), name).toBe(true);
      expect(g.some((v) => v !== 0), name).toBe(true);
    }
    optimizer.step();
    expect(loss().item()).toBeLessThan(before.item());
  });

  test('a padding other than 0 or 2 is an error naming lenet5', () => {
    expect(() => lenet5({ padding: 1 as 0 })).toThrow('lenet5: padding must be 0 or 2, got 1');
  });
});
