/**
 * A character-level Transformer language model (a small GPT) trained on the bundled text of Genesis
 * (King James Version, `loadGenesis()` of @nn/data). Each character is a token: a token embedding
 * plus a learned positional embedding, two pre-norm Transformer encoder layers under a causal mask
 * (position i sees positions 0..i only), a final LayerNorm and a Dense layer to the logits of the
 * next character. Adam, cross-entropy on the next character of random windows of the first 90% of
 * the text; the loss on the last 10% (held out) is printed with the training loss every few hundred
 * steps, beside the unigram entropy (the loss of a model that knows only how often each character
 * occurs), with a sample drawn character by character with `multinomial`. The end writes the loss
 * curves as an SVG chart.
 *
 * Run: node build/examples/char-transformer.js [--steps N] [--every N] [--d-model D] [--heads H]
 *        [--context L] [--batch B] [--lr LR] [--sample N] [--temperature T] [--out file.svg]
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { arange, concat, Generator, manualSeed, multinomial, noGrad, randint, stack, type Tensor } from '@nn/autograd';
import { CharVocabulary, loadGenesis } from '@nn/data';
import { crossEntropy, Dense, Embedding, LayerNorm, Module, TransformerEncoder, TransformerEncoderLayer } from '@nn/layers';
import { Adam } from '@nn/optim';
import { lineChart } from '@nn/train';

/** The shape of a character Transformer. */
export interface CharTransformerConfig {
  /** The number of distinct tokens (characters). */
  vocabSize: number;
  /** The longest sequence it reads: the positional embedding has one row per position. */
  context: number;
  dModel: number;
  heads: number;
  layers: number;
  /** The width of each layer's feed-forward block. */
  feedforward: number;
}

/**
 * Token ids [batch, length] (int32, length <= context) to next-token logits [batch, length, vocab]:
 * embeddings, pre-norm encoder layers under a causal mask, a final LayerNorm and a linear head.
 */
export class CharTransformer extends Module {
  readonly tokens: Embedding;
  readonly positions: Embedding;
  readonly encoder: TransformerEncoder;
  readonly norm: LayerNorm;
  readonly head: Dense;
  readonly config: CharTransformerConfig;

  constructor(config: CharTransformerConfig) {
    super();
    this.config = config;
    this.tokens = new Embedding(config.vocabSize, config.dModel);
    this.positions = new Embedding(config.context, config.dModel);
    // normFirst (pre-norm, as GPT-2): trains stably at a learning rate that post-norm would need a warm-up for.
    // No dropout: the model is small and sees each window of the text a few times only.
    const layer = new TransformerEncoderLayer(config.dModel, config.heads, { dimFeedforward: config.feedforward, dropout: 0, normFirst: true, batchFirst: true });
    this.encoder = new TransformerEncoder(layer, config.layers);
    this.norm = new LayerNorm([config.dModel]);
    this.head = new Dense(config.dModel, config.vocabSize);
  }

  override forward(ids: Tensor): Tensor {
    if (ids.ndim !== 2 || ids.shape[1]! > this.config.context) {
      throw new Error(`CharTransformer: expected token ids [batch, length <= ${this.config.context}], got shape [${ids.shape.join(', ')}]`);
    }
    const length = ids.shape[1]!;
    const x = this.tokens.forward(ids).add(this.positions.forward(arange(0, length, 1, { dtype: 'int32' })));
    return this.head.forward(this.norm.forward(this.encoder.run(x, { causal: true })));
  }
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

/** `batch` windows of `context + 1` tokens from ids[lo, hi): inputs [batch, context] and next-token targets [batch * context]. */
function windows(ids: Tensor, lo: number, hi: number, batch: number, context: number, rng: Generator): { x: Tensor; y: Tensor } {
  const starts = randint(lo, hi - context, [batch], { rng }).data();
  const rows = Array.from(starts, (s) => ids.slice([s], [s + context + 1]));
  const all = stack(rows, 0);
  return { x: all.slice([0, 0], [batch, context]), y: all.slice([0, 1], [batch, context + 1]).reshape([-1]) };
}

/** The loss of a model that knows only the frequency of each character: the entropy of their distribution, in nats. */
function unigramEntropy(ids: Tensor, classes: number): number {
  const counts = new Float64Array(classes);
  for (const id of ids.data()) counts[id]!++;
  return -Array.from(counts).reduce((sum, c) => (c === 0 ? sum : sum + (c / ids.size) * Math.log(c / ids.size)), 0);
}

/** `count` characters drawn one by one after `prompt`, each from the softmax of the last logits at `temperature`. */
function sample(model: CharTransformer, vocab: CharVocabulary, prompt: string, count: number, temperature: number, rng: Generator): string {
  const { context } = model.config;
  let ids = vocab.encode(prompt);
  model.eval();
  noGrad(() => {
    for (let i = 0; i < count; i++) {
      const window = ids.slice([Math.max(0, ids.size - context)], [ids.size]);
      const logits = model.forward(window.unsqueeze(0)); // [1, length, vocab]
      const last = logits.slice([0, window.size - 1, 0], [1, window.size, vocab.size]).reshape([vocab.size]);
      ids = concat([ids, multinomial(last.div(temperature).softmax(-1), 1, { rng })], 0);
    }
  });
  model.train();
  return vocab.decode(ids);
}

function main(): void {
  const steps = Number(option('steps', '600'));
  const every = Number(option('every', '200'));
  const dModel = Number(option('d-model', '64'));
  const heads = Number(option('heads', '4'));
  const context = Number(option('context', '32'));
  const batch = Number(option('batch', '32'));
  const lr = Number(option('lr', '0.005'));
  const sampleLength = Number(option('sample', '160'));
  const temperature = Number(option('temperature', '0.8'));
  const out = option('out', 'char-transformer.svg');

  manualSeed(0); // the initial weights
  const rng = new Generator(1); // the windows and the samples
  const text = loadGenesis();
  const vocab = new CharVocabulary(text);
  const ids = vocab.encode(text);
  const split = Math.floor(ids.size * 0.9);
  const model = new CharTransformer({ vocabSize: vocab.size, context, dModel, heads, layers: 2, feedforward: 4 * dModel });
  const parameters = model.parameters();
  const count = parameters.reduce((n, p) => n + p.size, 0);
  console.log(`char-transformer: Genesis (KJV), ${ids.size} characters, ${vocab.size} distinct; ${split} for training, ${ids.size - split} held out`);
  console.log(`model: dModel ${dModel}, ${heads} heads, 2 layers, context ${context}, ${count} parameters; batch ${batch}, Adam lr ${lr}`);
  const baseline = unigramEntropy(ids.slice([0], [split]), vocab.size);
  console.log(`unigram entropy (the loss of character frequencies alone): ${baseline.toFixed(3)} nats`);

  // A fixed held-out set: the same windows at every report.
  const heldOutRng = new Generator(2);
  const heldOut = Array.from({ length: 8 }, () => windows(ids, split, ids.size, batch, context, heldOutRng));
  const validationLoss = (): number => {
    model.eval();
    const loss = noGrad(() => heldOut.reduce((sum, { x, y }) => sum + crossEntropy(model.forward(x).reshape([-1, vocab.size]), y).item(), 0) / heldOut.length);
    model.train();
    return loss;
  };

  const optimizer = new Adam(parameters, { lr });
  const trainingCurve: [number, number][] = [];
  const validationCurve: [number, number][] = [];
  const initial = validationLoss();
  validationCurve.push([0, initial]);
  console.log(`step 0: held-out loss ${initial.toFixed(3)} (untrained: about ln ${vocab.size} = ${Math.log(vocab.size).toFixed(3)})`);
  const started = performance.now();
  let sinceReport = 0;
  for (let step = 1; step <= steps; step++) {
    const { x, y } = windows(ids, 0, split, batch, context, rng);
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x).reshape([-1, vocab.size]), y);
    loss.backward();
    optimizer.step();
    const value = loss.item();
    trainingCurve.push([step, value]);
    sinceReport += value;
    if (step % every === 0 || step === steps) {
      const interval = step % every === 0 ? every : step % every;
      const validation = validationLoss();
      validationCurve.push([step, validation]);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`step ${step}: training loss ${(sinceReport / interval).toFixed(3)}, held-out loss ${validation.toFixed(3)} (${seconds} s)`);
      console.log(`  sample: ${JSON.stringify(sample(model, vocab, 'And ', sampleLength, temperature, rng))}`);
      sinceReport = 0;
    }
  }
  const final = validationCurve.at(-1)![1];
  console.log(`final held-out loss ${final.toFixed(3)} nats against ${baseline.toFixed(3)} for character frequencies alone, after ${steps} steps in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const chart = lineChart(
    [
      { label: 'training loss (each step)', values: trainingCurve },
      { label: 'held-out loss', values: validationCurve },
      { label: 'unigram entropy', values: [[0, baseline], [steps, baseline]], dashed: true },
    ],
    { title: 'Character Transformer on Genesis (KJV)', xLabel: 'step', yLabel: 'cross-entropy (nats per character)' },
  );
  writeFileSync(out, chart);
  console.log(`wrote ${out}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
