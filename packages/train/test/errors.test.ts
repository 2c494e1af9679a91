/** Bad options to compile and fit throw an Error naming the method, and showing the value with its type. */
import { describe, expect, test } from 'vitest';
import { tensor } from '@nn/autograd';
import { Dense } from '@nn/layers';
import { Model } from '../src/index.js';

const x = tensor([[1, 2], [3, 4]]);
const y = tensor([[1], [2]]);

function compiled(): Model {
  const model = new Model(new Dense(2, 1));
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  return model;
}

describe('fit shows the type of an offending value', () => {
  test.each([
    [{ epochs: '3' }, 'Model.fit: epochs must be a positive integer, got the string "3"'],
    [{ batchSize: '8' }, 'Model.fit: batchSize must be a positive integer, got the string "8"'],
    [{ epochs: 1.5 }, 'Model.fit: epochs must be a positive integer, got 1.5'],
    [{ validationSplit: '0.2' }, 'Model.fit: validationSplit must be in [0, 1), got the string "0.2"'],
    [{ rng: 1 }, 'Model.fit: rng must be a Generator, got 1'],
  ])('%o', async (options, message) => {
    await expect(compiled().fit(x, y, { verbose: 0, ...options } as never)).rejects.toThrow(message);
  });

  test('predict too', () => {
    expect(() => compiled().predict(x, { batchSize: '8' as never })).toThrow('Model.predict: batchSize must be a positive integer, got the string "8"');
  });
});

describe('compile', () => {
  test('options are required', () => {
    expect(() => new Model(new Dense(2, 1)).compile(undefined as never)).toThrow('Model.compile: options with optimizer and loss are required');
  });

  test('an optimizer that is neither a name nor an Optimizer says its type', () => {
    expect(() => new Model(new Dense(2, 1)).compile({ optimizer: 5 as never, loss: 'mse' })).toThrow(/^Model.compile: optimizer must be one of .* or an Optimizer, got 5$/);
  });

  test('a loss spec with an unknown key', () => {
    expect(() => new Model(new Dense(2, 1)).compile({ optimizer: 'sgd', loss: { name: 'mse', fromLogit: true } as never })).toThrow(
      "Model.compile: loss: unknown option 'fromLogit' (did you mean 'fromLogits'? known options: name, fromLogits)",
    );
  });
});
