/**
 * Every layer of @nn/layers exported to ONNX and run in ONNX Runtime at two batch sizes (the model
 * exported with dynamicBatch on the first), agreeing with our forward in float32.
 */
import { describe, it } from 'vitest';
import { manualSeed, maxPool1d, maxPool2d, randint, randn, tensor, type Tensor } from '@nn/autograd';
import {
  AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose1d,
  ConvTranspose2d, Dense, Dropout, ELU, Embedding, Flatten, GELU, GroupNorm, GRU, GRUCell, Identity, LayerNorm, LeakyReLU,
  LogSoftmax, LSTM, LSTMCell, MaxPool1d, MaxPool2d, Mish, Module, MultiheadAttention, ReLU, RNN, RNNCell, Sequential, Sigmoid,
  SiLU, Softmax, Softplus, Tanh, TransformerEncoder, TransformerEncoderLayer,
} from '@nn/layers';
import { expectAgreement } from './onnx-runtime.js';
import { SUPPORTED_OPSETS } from '@nn/io';

interface Case {
  readonly make: () => Module;
  /**
   * An input whose axis 0 (the axis dynamicBatch makes symbolic) has size n: the batch, or the time
   * steps of a time-major recurrent layer.
   */
  readonly input: (n: number) => Tensor;
  /** Exported with a fixed batch instead (unbatched inputs, whose axis 0 is no batch). */
  readonly fixed?: true;
}

const features = (n: number): Tensor => randn([n, 5]);

/** A layer's run with causal: true, as a module. */
class Causal extends Module {
  constructor(readonly layer: TransformerEncoderLayer) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return this.layer.run(x, { causal: true });
  }
}

/** maxPool2d and maxPool1d called in a forward (PyTorch's F.max_pool2d style), options drawn off their defaults. */
class FunctionalPools extends Module {
  override forward(x: Tensor): Tensor {
    const pooled = maxPool2d(x, [2, 3], { stride: [1, 2], padding: [1, 1], ceilMode: true });
    return maxPool1d(pooled.reshape([pooled.shape[0]!, pooled.shape[1]!, -1]), 3, { stride: 2, dilation: 2 });
  }
}

/** Cross-attention from x [N, 3, 8] to a memory of other widths expanded to the batch, a padding mask, and the weights read. */
class CrossAttention extends Module {
  readonly attention = new MultiheadAttention(8, 2, { batchFirst: true, kdim: 6, vdim: 4 });
  readonly memory = randn([1, 4, 6]);
  readonly values = randn([1, 4, 4]);
  override forward(x: Tensor): Tensor {
    const n = x.shape[0]!;
    // A float mask is added to the scores: -1e9 leaves the last key out.
    const keyPaddingMask = tensor([[0, 0, 0, -1e9]]).expand([n, 4]);
    const { output, weights } = this.attention.run(x, this.memory.expand([n, 4, 6]), this.values.expand([n, 4, 4]), { keyPaddingMask });
    return output.add(weights!.max(-1, true));
  }
}

/** A BatchNorm with running statistics other than 0 and 1 (trained a few steps), so eval mode shows. */
function trainedBatchNorm<T extends Module>(norm: T, input: Tensor): T {
  norm.train();
  for (let i = 0; i < 3; i++) norm.forward(input.mul(2).add(i));
  return norm;
}

const cases: Record<string, Case> = {
  Dense: { make: () => new Dense(5, 3), input: features },
  'Dense without bias, on [N, T, F]': { make: () => new Dense(5, 3, { bias: false }), input: (n) => randn([n, 2, 5]) },
  ReLU: { make: () => new ReLU(), input: features },
  Sigmoid: { make: () => new Sigmoid(), input: features },
  Tanh: { make: () => new Tanh(), input: features },
  GELU: { make: () => new GELU(), input: features },
  "GELU approximate 'tanh'": { make: () => new GELU({ approximate: 'tanh' }), input: features },
  LeakyReLU: { make: () => new LeakyReLU(0.2), input: features },
  SiLU: { make: () => new SiLU(), input: features },
  Softplus: { make: () => new Softplus({ beta: 2, threshold: 3 }), input: (n) => randn([n, 5]).mul(3) },
  ELU: { make: () => new ELU({ alpha: 0.7 }), input: features },
  Mish: { make: () => new Mish(), input: features },
  Identity: { make: () => new Identity(), input: features },
  Softmax: { make: () => new Softmax(), input: features },
  'Softmax over axis 1 of 3': { make: () => new Softmax(1), input: (n) => randn([n, 4, 2]) },
  LogSoftmax: { make: () => new LogSoftmax(), input: features },
  'Dropout (eval: identity)': { make: () => new Dropout(0.5), input: features },
  Flatten: { make: () => new Flatten(), input: (n) => randn([n, 2, 3, 2]) },
  LayerNorm: { make: () => new LayerNorm(5), input: features },
  'LayerNorm over two axes': { make: () => new LayerNorm([2, 5]), input: (n) => randn([n, 2, 5]) },
  BatchNorm1d: { make: () => trainedBatchNorm(new BatchNorm1d(5), randn([8, 5])), input: features },
  BatchNorm2d: { make: () => trainedBatchNorm(new BatchNorm2d(3), randn([4, 3, 2, 2])), input: (n) => randn([n, 3, 2, 2]) },
  GroupNorm: { make: () => new GroupNorm(2, 4), input: (n) => randn([n, 4, 3, 3]) },
  Conv1d: { make: () => new Conv1d(2, 3, 3, { stride: 2, padding: 1 }), input: (n) => randn([n, 2, 7]) },
  "Conv1d padding 'same', dilated": { make: () => new Conv1d(2, 3, 4, { padding: 'same', dilation: 2 }), input: (n) => randn([n, 2, 9]) },
  Conv2d: { make: () => new Conv2d(2, 4, 3, { padding: 1 }), input: (n) => randn([n, 2, 5, 5]) },
  'Conv2d grouped, strided, no bias': { make: () => new Conv2d(4, 6, [3, 2], { stride: [2, 1], groups: 2, bias: false }), input: (n) => randn([n, 4, 6, 5]) },
  "Conv2d padding 'same' (even kernel)": { make: () => new Conv2d(2, 3, 2, { padding: 'same' }), input: (n) => randn([n, 2, 4, 4]) },
  ConvTranspose1d: { make: () => new ConvTranspose1d(2, 3, 3, { stride: 2, outputPadding: 1 }), input: (n) => randn([n, 2, 5]) },
  ConvTranspose2d: { make: () => new ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1 }), input: (n) => randn([n, 3, 4, 4]) },
  'ConvTranspose2d grouped, dilated': { make: () => new ConvTranspose2d(4, 2, 2, { groups: 2, dilation: 2 }), input: (n) => randn([n, 4, 3, 3]) },
  MaxPool1d: { make: () => new MaxPool1d(3, { stride: 2, padding: 1 }), input: (n) => randn([n, 2, 8]) },
  MaxPool2d: { make: () => new MaxPool2d(2), input: (n) => randn([n, 3, 4, 6]) },
  'MaxPool2d dilated, ceilMode': { make: () => new MaxPool2d(2, { stride: 2, dilation: 2, ceilMode: true }), input: (n) => randn([n, 2, 7, 7]) },
  'MaxPool2d ceilMode (a last partial window)': { make: () => new MaxPool2d(2, { ceilMode: true }), input: (n) => randn([n, 2, 5, 5]) },
  'MaxPool1d ceilMode, padded (a last window dropped, as PyTorch)': { make: () => new MaxPool1d(2, { stride: 2, padding: 1, ceilMode: true }), input: (n) => randn([n, 2, 5]) },
  AvgPool1d: { make: () => new AvgPool1d(3, { stride: 2, padding: 1, countIncludePad: false }), input: (n) => randn([n, 2, 8]) },
  AvgPool2d: { make: () => new AvgPool2d(2, { stride: 1, padding: 1 }), input: (n) => randn([n, 3, 4, 4]) },
  'AvgPool2d ceilMode': { make: () => new AvgPool2d(3, { stride: 2, ceilMode: true }), input: (n) => randn([n, 2, 6, 6]) },
  AdaptiveAvgPool1d: { make: () => new AdaptiveAvgPool1d(3), input: (n) => randn([n, 2, 7]) },
  AdaptiveAvgPool2d: { make: () => new AdaptiveAvgPool2d([2, 3]), input: (n) => randn([n, 2, 5, 7]) },
  Embedding: { make: () => new Embedding(10, 4), input: (n) => randint(0, 10, [n, 3]) },
  RNN: { make: () => new RNN(3, 4), input: (n) => randn([n, 2, 3]) },
  "RNN relu, batchFirst, 2 layers": { make: () => new RNN(3, 4, { nonlinearity: 'relu', batchFirst: true, numLayers: 2 }), input: (n) => randn([n, 4, 3]) },
  LSTM: { make: () => new LSTM(3, 4, { batchFirst: true }), input: (n) => randn([n, 5, 3]) },
  'LSTM 2 layers, bidirectional': { make: () => new LSTM(3, 4, { numLayers: 2, bidirectional: true }), input: (n) => randn([n, 2, 3]) },
  'LSTM without bias': { make: () => new LSTM(3, 2, { bias: false }), input: (n) => randn([n, 2, 3]) },
  GRU: { make: () => new GRU(3, 4, { batchFirst: true }), input: (n) => randn([n, 5, 3]) },
  'GRU bidirectional, unbatched': { make: () => new GRU(3, 4, { bidirectional: true }), input: (n) => randn([n, 3]) },
  RNNCell: { make: () => new RNNCell(3, 4), input: (n) => randn([n, 3]) },
  LSTMCell: { make: () => new LSTMCell(3, 4), input: (n) => randn([n, 3]) },
  GRUCell: { make: () => new GRUCell(3, 4), input: (n) => randn([n, 3]) },
  'MultiheadAttention (batchFirst)': { make: () => new MultiheadAttention(8, 2, { batchFirst: true }), input: (n) => randn([n, 5, 8]) },
  'MultiheadAttention (sequence first, no bias)': { make: () => new MultiheadAttention(8, 4, { bias: false }), input: (n) => randn([n, 2, 8]) },
  'MultiheadAttention.run with kdim, vdim, a key padding mask and needWeights': {
    make: () => new CrossAttention(),
    input: (n) => randn([n, 3, 8]),
  },
  TransformerEncoderLayer: { make: () => new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), input: (n) => randn([n, 5, 8]) },
  'TransformerEncoderLayer normFirst, gelu, causal': {
    make: () => new Causal(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true, normFirst: true, activation: 'gelu' })),
    input: (n) => randn([n, 5, 8]),
  },
  TransformerEncoder: { make: () => new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2), input: (n) => randn([n, 2, 8]) },
  'BatchNorm1d on [N, C, L]': { make: () => trainedBatchNorm(new BatchNorm1d(3), randn([4, 3, 6])), input: (n) => randn([n, 3, 6]) },
  'LayerNorm and GroupNorm without affine': {
    make: () => new Sequential([new LayerNorm(6, { elementwiseAffine: false }), new GroupNorm(3, 6, { affine: false })]),
    input: (n) => randn([n, 6]),
  },
  'Embedding with paddingIdx': { make: () => new Embedding(6, 3, { paddingIdx: 0 }), input: (n) => randint(0, 6, [n, 5]) },
  'Conv2d and MaxPool2d, unbatched [C, H, W]': { make: () => new Sequential([new Conv2d(2, 3, 3), new MaxPool2d(2)]), input: () => randn([2, 6, 6]), fixed: true },
  'the functional max pools in a module of its own': { make: () => new FunctionalPools(), input: (n) => randn([n, 2, 6, 7]) },
  Sequential: { make: () => new Sequential([new Dense(5, 4), new Tanh(), new Dense(4, 2), new Softmax()]), input: features },
};

describe('exportOnnx: every layer agrees with ONNX Runtime at two batch sizes', () => {
  for (const [name, { make, input, fixed }] of Object.entries(cases)) {
    it(name, async () => {
      manualSeed(17);
      const module = make();
      if (fixed === true) await expectAgreement(name, module, [input(0), input(0)], {});
      else await expectAgreement(name, module, [input(2), input(3)]);
    });
  }
});

// LayerNorm is a module-level converter: LayerNormalization from opset 17, its ops before.
describe('exportOnnx: LayerNorm at every supported opset', () => {
  for (const opset of SUPPORTED_OPSETS) {
    it(`opset ${opset}, with and without affine, eps 0.1`, async () => {
      manualSeed(17);
      const module = new Sequential([new LayerNorm([2, 5], { eps: 0.1 }), new LayerNorm(5, { eps: 0.1, elementwiseAffine: false })]);
      // Move the scale and shift away from ones and zeros, so that both are seen.
      module.loadStateDict({ '0.weight': randn([2, 5]), '0.bias': randn([2, 5]) });
      await expectAgreement(`LayerNorm, opset ${opset}`, module, [randn([2, 2, 5]).mul(0.3), randn([3, 2, 5]).mul(0.3)], { opset, dynamicBatch: true });
    });
  }
});
