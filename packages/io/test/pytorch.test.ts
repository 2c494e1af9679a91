/**
 * PyTorch interoperability through safetensors, both directions, with the files of
 * test/fixtures/safetensors.py:
 * - PyTorch -> @nn: the state_dict of nn.Sequential(Linear, LayerNorm, ReLU, BatchNorm1d, Linear),
 *   saved by `safetensors.torch.save_file`, loads unchanged into the @nn twin with `loadStateDict`,
 *   and the twin computes PyTorch's recorded output;
 * - @nn -> PyTorch: from-nn.safetensors is what `encodeSafetensors(twin.stateDict())` writes (checked
 *   byte for byte here), and from-nn.json is PyTorch's output after `load_file` and `load_state_dict`
 *   of that file.
 */
import { describe, expect, test } from 'vitest';
import { noGrad, tensor } from '@nn/autograd';
import { BatchNorm1d, Dense, LayerNorm, ReLU, Sequential } from '@nn/layers';
import { decodeSafetensors, encodeSafetensors } from '@nn/io';
import { EPSILON, expectClose, scaledTolerance } from '../../../test/close.js';
import { fixtureBytes, fixtureJson, toNumber, type Encoded } from './fixtures.js';

const model = fixtureJson<{ input: Encoded; output: Encoded; keys: string[] }>('model.json');
const fromNn = fixtureJson<{ output: Encoded }>('from-nn.json');

const twin = (): Sequential => new Sequential([new Dense(4, 5), new LayerNorm(5), new ReLU(), new BatchNorm1d(5), new Dense(5, 2)]);
const input = tensor(model.input.data.map(toNumber), { shape: model.input.shape, dtype: 'float32' });
const values = (e: Encoded): number[] => e.data.map(toNumber);

/** PyTorch and @nn in float32 sum in different orders: a few float32 steps of the largest value. */
function expectOutput(net: Sequential, want: Encoded, where: string): void {
  const out = noGrad(() => net.eval().call(input));
  expect(out.shape).toEqual(want.shape);
  expectClose(out.data(), values(want), scaledTolerance(values(want), EPSILON.float32, 16), where);
}

describe('PyTorch -> @nn', () => {
  test("the state dict's keys are PyTorch's, and PyTorch's file loads with loadStateDict unchanged", () => {
    const net = twin();
    expect(Object.keys(net.stateDict())).toEqual(model.keys);
    const { tensors } = decodeSafetensors(fixtureBytes('model.safetensors'));
    net.loadStateDict(tensors);
    expect(net.stateDict()['3.num_batches_tracked']!.item()).toBe(3);
    expectOutput(net, model.output, 'the twin loaded from PyTorch');
  });
});

describe('@nn -> PyTorch', () => {
  test("our encoder writes from-nn.safetensors byte for byte, and PyTorch's output on it is ours", () => {
    const net = twin().loadStateDict(decodeSafetensors(fixtureBytes('model.safetensors')).tensors);
    expect(encodeSafetensors(net.stateDict())).toEqual(fixtureBytes('from-nn.safetensors'));
    expectOutput(net, fromNn.output, 'PyTorch on our file');
  });
});
