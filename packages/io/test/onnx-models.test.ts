/**
 * The examples' models exported to ONNX and run in ONNX Runtime on real digits at two batch sizes:
 * the digits MLP (examples/digits.ts), a small digits CNN (the kind examples/cnn-digits.ts trains),
 * the row-reading LSTM (examples/lstm-digits.ts, which calls lstm.run for the final state), and a
 * small character Transformer.
 * Each is trained a few steps first, so that the weights are not those of the initialization.
 */
import { describe, it } from 'vitest';
import { manualSeed, randint, randn, type Tensor } from '@nn/autograd';
import {
  Conv2d, crossEntropy, Dense, Embedding, Flatten, LayerNorm, LSTM, MaxPool2d, Module, parameter, ReLU, Sequential, Softmax,
  TransformerEncoder, TransformerEncoderLayer,
} from '@nn/layers';
import { Adam } from '@nn/optim';
import { loadDigits } from '@nn/data';
import { expectAgreement } from './onnx-runtime.js';

/** [N, 64] pixels as [N, 1, 8, 8] images. */
class Images extends Module {
  override forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0]!, 1, 8, 8]);
  }
}

/** examples/lstm-digits.ts's reader: [N, 64] images as 8 rows of 8 pixels, the last hidden state. */
class RowReader extends Module {
  readonly lstm: LSTM;
  constructor(hiddenSize: number) {
    super();
    this.lstm = new LSTM(8, hiddenSize, { batchFirst: true });
  }
  override forward(x: Tensor): Tensor {
    const n = x.shape[0]!;
    const { h } = this.lstm.run(x.reshape([n, 8, 8]));
    return h.reshape([n, this.lstm.hiddenSize]);
  }
}

/**
 * A small character Transformer (the kind a character language model trains): token and learned
 * position embeddings, two causal encoder layers (pre-norm, GELU), a final LayerNorm and a Dense head
 * to next-character logits [N, T, vocab].
 */
class CharTransformer extends Module {
  readonly tokens: Embedding;
  readonly positions: Tensor;
  readonly encoder: TransformerEncoder;
  readonly norm: LayerNorm;
  readonly head: Dense;
  constructor(vocab: number, context: number, dModel: number) {
    super();
    this.tokens = new Embedding(vocab, dModel);
    this.positions = parameter(randn([context, dModel]).mul(0.1));
    this.encoder = new TransformerEncoder(new TransformerEncoderLayer(dModel, 2, { dimFeedforward: 4 * dModel, dropout: 0.1, activation: 'gelu', normFirst: true, batchFirst: true }), 2);
    this.norm = new LayerNorm(dModel);
    this.head = new Dense(dModel, vocab);
  }
  override forward(ids: Tensor): Tensor {
    const t = ids.shape[1]!;
    const h = this.tokens.forward(ids).add(this.positions.slice([0, 0], [t, this.positions.shape[1]!]));
    return this.head.forward(this.norm.forward(this.encoder.run(h, { causal: true })));
  }
}

const { x, y } = loadDigits();
const slice = (from: number, to: number): Tensor => x.slice([from, 0], [to, 64]);

/** A few Adam steps on the first 64 digits (the net ends in Softmax: the loss takes its log). */
function trainBriefly(net: Module): Module {
  const optimizer = new Adam(net.parameters(), { lr: 0.01 });
  const xs = slice(0, 64);
  const ys = y.slice([0], [64]);
  for (let step = 0; step < 5; step++) {
    optimizer.zeroGrad();
    crossEntropy(net.forward(xs).add(1e-7).log(), ys).backward();
    optimizer.step();
  }
  return net;
}

const models: Record<string, () => Module> = {
  'digits MLP (examples/digits.ts)': () => new Sequential([new Dense(64, 128), new ReLU(), new Dense(128, 10), new Softmax()]),
  'digits CNN': () => new Sequential([
    new Images(), new Conv2d(1, 8, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2),
    new Conv2d(8, 16, 3, { padding: 1 }), new ReLU(), new MaxPool2d(2), new Flatten(), new Dense(64, 10), new Softmax(),
  ]),
  'digits LSTM (examples/lstm-digits.ts)': () => new Sequential([new RowReader(16), new Dense(16, 10), new Softmax()]),
};

describe('exportOnnx: the example models agree with ONNX Runtime', () => {
  it('a character Transformer (causal, pre-norm, GELU), trained a few steps', async () => {
    manualSeed(8);
    const vocab = 12;
    const net = new CharTransformer(vocab, 8, 16);
    const ids = randint(0, vocab, [16, 9]);
    const optimizer = new Adam(net.parameters(), { lr: 0.01 });
    for (let step = 0; step < 3; step++) {
      optimizer.zeroGrad();
      const logits = net.forward(ids.slice([0, 0], [16, 8]));
      crossEntropy(logits.reshape([16 * 8, vocab]), ids.slice([0, 1], [16, 9]).reshape([16 * 8])).backward();
      optimizer.step();
    }
    await expectAgreement('char Transformer', net, [randint(0, vocab, [2, 8]), randint(0, vocab, [5, 8])]);
  });

  for (const [name, make] of Object.entries(models)) {
    it(name, async () => {
      manualSeed(42);
      const net = trainBriefly(make());
      await expectAgreement(name, net, [slice(100, 132), slice(200, 207)]);
    });
  }
});
