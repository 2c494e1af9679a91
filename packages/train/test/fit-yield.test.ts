/**
 * How fit lets the event loop run between batches where there is no setImmediate (browsers): by a
 * message on a MessageChannel, not setTimeout(0), which browsers clamp to 4 ms or more when it
 * repeats (seconds over a fit of many batches). Node has both, so the test hides setImmediate.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { manualSeed, randn, tensor } from '@nn/autograd';
import { Dense, Sequential, Softmax } from '@nn/layers';
import { Model } from '../src/index.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** A fit of 3 epochs of 4 batches on a tiny model; resolves to its last loss. */
async function smallFit(): Promise<number> {
  manualSeed(3);
  const model = new Model(new Sequential([new Dense(3, 2), new Softmax()]));
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const x = randn([16, 3]);
  const y = tensor(Array.from({ length: 16 }, (_, i) => i % 2), { dtype: 'int32' });
  const history = await model.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 });
  return history.history.loss!.at(-1)!;
}

describe('fit between batches', () => {
  test('without setImmediate it yields through a MessageChannel, never setTimeout, and trains the same', async () => {
    const withImmediate = await smallFit();
    vi.stubGlobal('setImmediate', undefined);
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    const posts = vi.spyOn(MessagePort.prototype, 'postMessage');
    const withChannel = await smallFit();
    expect(timeouts).not.toHaveBeenCalled();
    expect(posts.mock.calls.length).toBeGreaterThanOrEqual(12); // one per batch: 3 epochs of 4
    expect(withChannel).toBe(withImmediate);
  });
});
