/**
 * One training step of a small GPT: the character Transformer of examples/char-transformer.ts at
 * vocab 64, sequence 64, dModel 128, 4 heads, 2 pre-norm encoder layers under a causal mask,
 * feed-forward 512, no dropout, batch 16; cross-entropy on the next token, backward, Adam. Float32.
 * TensorFlow.js has no attention layer, so the peer is PyTorch (bench/reference/gpt_step.py, the
 * same model with torch.nn.TransformerEncoder), run by hand: npm needs no Python.
 */
import { Generator, manualSeed, randint } from '@nn/autograd';
import { crossEntropy } from '@nn/layers';
import { Adam } from '@nn/optim';
import { CharTransformer } from '../examples/char-transformer.js';
import { medianMillis } from './measure.js';
import { trainingStep } from './nn-workloads.js';

export const GPT_BENCH = { vocab: 64, sequence: 64, dModel: 128, heads: 4, layers: 2, feedforward: 512, batch: 16 } as const;

/** Milliseconds per step for @nn, in the current backend and thread configuration. */
export function gptStepNn(minMillis: number): number {
  const { vocab, sequence, dModel, heads, layers, feedforward, batch } = GPT_BENCH;
  manualSeed(64);
  const model = new CharTransformer({ vocabSize: vocab, context: sequence, dModel, heads, layers, feedforward });
  const ids = randint(0, vocab, [batch, sequence + 1], { rng: new Generator(64) });
  const inputs = ids.slice([0, 0], [batch, sequence]);
  const targets = ids.slice([0, 1], [batch, sequence + 1]).reshape([-1]);
  const step = trainingStep(new Adam(model.parameters(), { lr: 1e-3 }), () => crossEntropy(model.forward(inputs).reshape([-1, vocab]), targets));
  return medianMillis(() => { step(); }, { minMillis, minRuns: 5 });
}
