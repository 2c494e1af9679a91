/**
 * Model: Keras's training workflow around any module. `compile` chooses the optimizer, the loss and
 * the metrics; `fit` trains on tensors and returns the history; `evaluate` and `predict` run the
 * trained network in batches.
 */
import { checkGenerator, checkOptions, concat, describeValue, noGrad, Tensor, type Generator } from '@nn/autograd';
import { DataLoader, TensorDataset } from '@nn/data';
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint } from '@nn/io';
import type { Module } from '@nn/layers';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '@nn/optim';
import type { Callback, Logs, TrainingTarget } from './callbacks.js';
import { History } from './history.js';
import { LOSS_NAMES, LOSS_SPEC_KEYS, makeLoss, type LossFn, type LossName, type LossSpec } from './keras-losses.js';
import { makeMetric, METRIC_NAMES, type Metric, type MetricName } from './metrics.js';
import { defaultSink, Progress, type ProgressSink, type Verbosity } from './progress.js';
import { nodeFiles, readSavedCompile, savedCompile, type SavedCompile } from './saving.js';

export type OptimizerName = 'sgd' | 'adam' | 'rmsprop' | 'adamw' | 'adagrad';

/**
 * The optimizers `compile` builds by name. 'sgd' and 'adam' take Keras's learning rates (0.01 and
 * 0.001); the others take @nn/optim's defaults, which are PyTorch's (RMSprop lr 1e-2, alpha 0.99;
 * AdamW lr 1e-3, weightDecay 1e-2; Adagrad lr 1e-2), not Keras's.
 */
const OPTIMIZERS: Record<OptimizerName, (params: Tensor[]) => Optimizer> = {
  sgd: (params) => new SGD(params, { lr: 0.01 }),
  adam: (params) => new Adam(params, { lr: 0.001 }),
  rmsprop: (params) => new RMSprop(params),
  adamw: (params) => new AdamW(params),
  adagrad: (params) => new Adagrad(params),
};
const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

export interface CompileOptions {
  /**
   * 'sgd' (learning rate 0.01) or 'adam' (0.001), as Keras's defaults; 'rmsprop', 'adamw' or 'adagrad'
   * with @nn/optim's (PyTorch's) defaults; or an optimizer over `net.parameters()`.
   */
  optimizer: OptimizerName | Optimizer;
  /** A loss name, `{ name, fromLogits }`, or a function (yTrue, yPred) => one-element tensor. */
  loss: LossName | LossSpec | LossFn;
  metrics?: MetricName[];
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Shuffle the training samples every epoch (default true). */
  shuffle?: boolean;
  /** The share of samples, taken from the end before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  /** Validation data [x, y] (takes precedence over validationSplit). */
  validationData?: [Tensor, Tensor];
  callbacks?: Callback[];
  /** 0 silent, 1 a live progress line in a terminal (default), 2 one line per epoch. */
  verbose?: Verbosity;
  /** The generator for shuffling (default: the global one that manualSeed seeds). */
  rng?: Generator;
  /** Where progress goes (default: standard output, or the console in a browser). */
  output?: ProgressSink;
  /**
   * The epoch to start at (default 0), to continue a run, as Keras's `initial_epoch`: `epochs` is the
   * index of the final epoch, not a count, so `fit(x, y, { initialEpoch: 3, epochs: 5 })` runs the
   * epochs numbered 3 and 4 (shown as 4/5 and 5/5).
   */
  initialEpoch?: number;
}

/** Options of `Model.load` and `Model.fromBytes`. */
export interface LoadModelOptions {
  /**
   * Also restore the global random generator to its state at the save (default false, as loading a
   * Keras model leaves the random state alone); true continues shuffling and dropout exactly as the
   * saved run would have, for a resumed `fit` that is identical to one that never stopped.
   */
  restoreRng?: boolean;
  /** The loss, needed when the model was compiled with a loss function (a file holds only names). */
  loss?: LossName | LossSpec | LossFn;
  /** The optimizer, needed when the model was compiled with an optimizer that `compile` cannot build by name. */
  optimizer?: OptimizerName | Optimizer;
}

const LOAD_OPTIONS = ['restoreRng', 'loss', 'optimizer'];

export interface EvaluateOptions {
  batchSize?: number;
}

const EVALUATE_OPTIONS = ['batchSize'];

const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'validationSplit', 'validationData', 'callbacks', 'verbose', 'rng', 'output', 'initialEpoch'];

interface Compiled {
  optimizer: Optimizer;
  loss: LossFn;
  lossName: string;
  metrics: Metric[];
  /** The loss as a name (null for a function) and the metric names: what a model file keeps. */
  lossSpec: LossSpec | null;
  metricNames: MetricName[];
}

const fmt = (t: Tensor): string => `[${t.shape.join(',')}]`;

/** The parts of a MessageChannel that `yieldToEventLoop` uses (the packages compile without DOM types). */
interface YieldChannel {
  port1: { onmessage: (() => void) | null };
  port2: { postMessage(message: null): void };
}

/** Resolvers waiting for the channel's next message, oldest first. */
const waiting: (() => void)[] = [];
let channel: YieldChannel | undefined;

/**
 * Lets the event loop run between batches, so that a page stays responsive during fit and a
 * worker's messages get through: setImmediate where there is one (Node); else a message to itself
 * on a MessageChannel, which browsers run as the next task. (setTimeout(0), repeated, is clamped to
 * 4 ms or more in browsers, workers too: that added about 6 s to the 30 epochs of the digits fit in
 * Chromium, where the channel took it from 6.8 s to 1.6 s or less.)
 */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => {
    const host = globalThis as { setImmediate?: (fn: () => void) => unknown; MessageChannel?: new () => YieldChannel };
    if (host.setImmediate !== undefined) return void host.setImmediate(resolve);
    if (host.MessageChannel === undefined) return void setTimeout(resolve, 0);
    if (channel === undefined) {
      channel = new host.MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });

export class Model implements TrainingTarget {
  /** Set by a callback (EarlyStopping) to end `fit` after the current epoch. */
  stopTraining = false;
  private compiled: Compiled | null = null;
  private inputShape: number[] | null = null;

  constructor(readonly net: Module) {
    if (net === null || typeof net !== 'object' || typeof net.call !== 'function' || typeof net.parameters !== 'function') {
      throw new Error('Model: expected a Module (with call and parameters)');
    }
  }

  /** Chooses the optimizer, the loss and the metrics. Unknown names are errors listing the known ones. */
  compile(opts: CompileOptions): void {
    checkOptions('Model.compile', opts, ['optimizer', 'loss', 'metrics']);
    if (opts === undefined) throw new Error("Model.compile: options with optimizer and loss are required, e.g. compile({ optimizer: 'adam', loss: 'mse' })");
    const { optimizer, loss, metrics = [] } = opts;
    let resolvedOptimizer: Optimizer;
    if (typeof optimizer === 'string') {
      if (!OPTIMIZER_NAMES.includes(optimizer)) {
        throw new Error(`Model.compile: unknown optimizer '${optimizer}' (known: ${OPTIMIZER_NAMES.join(', ')}, or an Optimizer)`);
      }
      resolvedOptimizer = OPTIMIZERS[optimizer](this.net.parameters());
    } else if (optimizer !== null && typeof optimizer === 'object' && typeof optimizer.step === 'function') {
      resolvedOptimizer = this.checkOptimizerParameters(optimizer);
    } else {
      throw new Error(`Model.compile: optimizer must be one of ${OPTIMIZER_NAMES.join(', ')} or an Optimizer, got ${describeValue(optimizer)}`);
    }
    let lossFn: LossFn;
    let lossName: string;
    let fromLogits = false;
    let lossSpec: LossSpec | null = null;
    if (typeof loss === 'function') {
      lossFn = loss;
      lossName = loss.name || 'custom';
    } else {
      const spec: LossSpec = typeof loss === 'string' ? { name: loss } : loss;
      if (typeof spec === 'object' && spec !== null) checkOptions('Model.compile: loss', spec, LOSS_SPEC_KEYS);
      if (spec === null || typeof spec !== 'object' || !LOSS_NAMES.includes(spec.name)) {
        const given = typeof loss === 'string' ? loss : (spec as { name?: unknown } | null)?.name;
        throw new Error(`Model.compile: unknown loss '${String(given)}' (known: ${LOSS_NAMES.join(', ')}, or a function)`);
      }
      lossFn = makeLoss(spec);
      lossName = spec.name;
      fromLogits = spec.fromLogits ?? false;
      lossSpec = { name: spec.name, fromLogits };
    }
    for (const name of metrics) {
      if (!METRIC_NAMES.includes(name)) throw new Error(`Model.compile: unknown metric '${name}' (known: ${METRIC_NAMES.join(', ')})`);
    }
    const context = { threshold: fromLogits ? 0 : 0.5, fromLogits };
    this.compiled = {
      optimizer: resolvedOptimizer,
      loss: lossFn,
      lossName,
      metrics: metrics.map((name) => makeMetric(name, context)),
      lossSpec,
      metricNames: [...metrics],
    };
  }

  /**
   * An optimizer built over another network's parameters would step them and leave this one
   * untouched: training would run and learn nothing. Holding some of them is fine (fine-tuning).
   */
  private checkOptimizerParameters(optimizer: Optimizer): Optimizer {
    const own = new Set(this.net.parameters());
    const held = optimizer.paramGroups.flatMap((group) => group.params);
    if (own.size > 0 && !held.some((p) => own.has(p))) {
      throw new Error(`Model.compile: the optimizer holds ${held.length} tensors, none of them among the model's ${own.size} parameters; build it over model.net.parameters()`);
    }
    return optimizer;
  }

  /** The optimizer chosen by compile. */
  get optimizer(): Optimizer {
    return this.requireCompiled('optimizer').optimizer;
  }

  private requireCompiled(caller: string): Compiled {
    if (this.compiled === null) throw new Error(`Model.${caller}: call compile() first`);
    return this.compiled;
  }

  private checkData(caller: string, x: unknown, y: unknown): [Tensor, Tensor] {
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new Error(`Model.${caller}: x and y must be Tensors`);
    if (x.ndim === 0 || y.ndim === 0 || x.shape[0] !== y.shape[0]) {
      throw new Error(`Model.${caller}: x of shape ${fmt(x)} and y of shape ${fmt(y)} must have the same number of rows (samples)`);
    }
    if (x.shape[0] === 0) throw new Error(`Model.${caller}: x of shape ${fmt(x)} and y of shape ${fmt(y)} hold no samples`);
    return [x, y];
  }

  /** Runs the network on one batch and returns the loss and the predictions. */
  private forward(compiled: Compiled, xb: Tensor, yb: Tensor): { loss: Tensor; prediction: Tensor } {
    const prediction = this.net.call(xb);
    const loss = compiled.loss(yb, prediction);
    if (!(loss instanceof Tensor) || loss.size !== 1) {
      throw new Error(`Model: the loss ${compiled.lossName} must return a one-element tensor, got ${loss instanceof Tensor ? fmt(loss) : String(loss)}`);
    }
    return { loss, prediction };
  }

  /**
   * Trains the network: `epochs` passes over (x, y) in batches, one optimizer step per batch.
   * Async: it yields to the event loop between batches. Returns the history of every log per epoch.
   */
  async fit(x: Tensor, y: Tensor, opts: FitOptions = {}): Promise<History> {
    const compiled = this.requireCompiled('fit');
    checkOptions('Model.fit', opts, FIT_OPTIONS);
    [x, y] = this.checkData('fit', x, y);
    const { epochs = 1, batchSize = 32, shuffle = true, callbacks = [], verbose = 1, validationSplit = 0, initialEpoch = 0 } = opts;
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`Model.fit: epochs must be a positive integer, got ${describeValue(epochs)}`);
    if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new Error(`Model.fit: initialEpoch must be a non-negative integer, got ${describeValue(initialEpoch)}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Model.fit: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
    if (typeof validationSplit !== 'number' || !(validationSplit >= 0 && validationSplit < 1)) throw new Error(`Model.fit: validationSplit must be in [0, 1), got ${describeValue(validationSplit)}`);

    let validation: [Tensor, Tensor] | null = null;
    if (opts.validationData !== undefined) {
      validation = this.checkData('fit (validationData)', opts.validationData[0], opts.validationData[1]);
    } else if (validationSplit > 0) {
      const rows = x.shape[0]!;
      const held = Math.floor(rows * validationSplit);
      if (held < 1 || held >= rows) throw new Error(`Model.fit: validationSplit ${validationSplit} of ${rows} samples leaves no training or no validation data`);
      const cut = rows - held;
      validation = [x.slice([cut, ...x.shape.slice(1).map(() => 0)], [...x.shape]), y.slice([cut, ...y.shape.slice(1).map(() => 0)], [...y.shape])];
      x = x.slice(x.shape.map(() => 0), [cut, ...x.shape.slice(1)]);
      y = y.slice(y.shape.map(() => 0), [cut, ...y.shape.slice(1)]);
    }
    this.inputShape = x.shape.slice(1);

    const loader = new DataLoader(new TensorDataset(x, y), { batchSize, shuffle, rng: checkGenerator('Model.fit', opts.rng) });
    const progress = new Progress(verbose, epochs, opts.output ?? defaultSink());
    const history = new History();
    this.stopTraining = false;
    // Callbacks may be async (ModelCheckpoint writes a file): each is awaited before training goes on.
    for (const cb of callbacks) await cb.onTrainBegin?.(this);
    let logs: Logs = {};
    let warnedNonFinite = false;
    // As Keras: epochs [initialEpoch, epochs); an initialEpoch at or past epochs trains nothing.
    for (let epoch = initialEpoch; epoch < epochs && !this.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, this);
      progress.epochBegin();
      this.net.train();
      compiled.metrics.forEach((m) => m.reset());
      let lossSum = 0;
      let seen = 0;
      let batch = 0;
      for (const [xb, yb] of loader) {
        const { loss, prediction } = this.forward(compiled, xb!, yb!);
        compiled.optimizer.zeroGrad();
        loss.backward();
        compiled.optimizer.step();
        const count = xb!.shape[0]!;
        const batchLoss = loss.item();
        if (!Number.isFinite(batchLoss) && !warnedNonFinite) {
          // Once: after a NaN the weights are usually NaN too, and every later batch would repeat it.
          warnedNonFinite = true;
          progress.warn(`Warning: the loss is ${batchLoss} at epoch ${epoch + 1}, batch ${batch + 1} of ${loader.length} (later NaN or infinite losses are not reported; the TerminateOnNaN callback stops training at such a batch)`);
        }
        lossSum += batchLoss * count;
        seen += count;
        const detached = prediction.detach();
        compiled.metrics.forEach((m) => m.update(yb!, detached));
        logs = this.logsOf(lossSum / seen, compiled.metrics);
        progress.batchEnd(epoch, batch, loader.length, logs);
        for (const cb of callbacks) await cb.onBatchEnd?.(batch, logs, this);
        batch++;
        if (this.stopTraining) break; // set by a callback at this batch (TerminateOnNaN), as Keras
        await yieldToEventLoop();
      }
      if (validation !== null) {
        const scores = this.evaluate(validation[0], validation[1], { batchSize });
        for (const [key, value] of Object.entries(scores)) logs[`val_${key}`] = value;
      }
      history.record(epoch, logs);
      progress.epochEnd(epoch, loader.length, logs, batch);
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, this);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(logs, this);
    return history;
  }

  private logsOf(loss: number, metrics: Metric[]): Logs {
    const logs: Logs = { loss };
    for (const m of metrics) logs[m.name] = m.result();
    return logs;
  }

  /** The loss and the metrics on (x, y), in eval mode and without recording a graph. */
  evaluate(x: Tensor, y: Tensor, opts: EvaluateOptions = {}): Record<string, number> {
    checkOptions('Model.evaluate', opts, EVALUATE_OPTIONS);
    const compiled = this.requireCompiled('evaluate');
    [x, y] = this.checkData('evaluate', x, y);
    const batchSize = opts.batchSize ?? 32;
    const wasTraining = this.net.training;
    this.net.eval();
    compiled.metrics.forEach((m) => m.reset());
    let lossSum = 0;
    let seen = 0;
    try {
      noGrad(() => {
        for (const [xb, yb] of new DataLoader(new TensorDataset(x, y), { batchSize })) {
          const { loss, prediction } = this.forward(compiled, xb!, yb!);
          lossSum += loss.item() * xb!.shape[0]!;
          seen += xb!.shape[0]!;
          compiled.metrics.forEach((m) => m.update(yb!, prediction));
        }
      });
    } finally {
      this.net.train(wasTraining);
    }
    return this.logsOf(lossSum / seen, compiled.metrics);
  }

  /** The network's outputs for x, computed in batches, in eval mode and without recording a graph. */
  predict(x: Tensor, opts: EvaluateOptions = {}): Tensor {
    checkOptions('Model.predict', opts, EVALUATE_OPTIONS);
    if (!(x instanceof Tensor) || x.ndim === 0) throw new Error('Model.predict: x must be a Tensor with a first axis of samples');
    if (x.shape[0] === 0) throw new Error(`Model.predict: x of shape ${fmt(x)} holds no samples`);
    const batchSize = opts.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`Model.predict: batchSize must be a positive integer, got ${describeValue(batchSize)}`);
    const wasTraining = this.net.training;
    this.net.eval();
    try {
      return noGrad(() => {
        const outputs: Tensor[] = [];
        for (const [xb] of new DataLoader(new TensorDataset(x), { batchSize })) outputs.push(this.net.call(xb!));
        return concat(outputs, 0);
      });
    } finally {
      this.net.train(wasTraining);
    }
  }

  /** The network's summary table for inputs of `inputShape` (default: the shape seen by fit). */
  summary(inputShape?: readonly number[]): string {
    const shape = inputShape ?? this.inputShape;
    if (shape === null) throw new Error('Model.summary: give the input shape (without the batch axis), or call fit first');
    return this.net.summary(shape);
  }

  /**
   * The model as the bytes of a model file (an @nn/io checkpoint, one safetensors file): the
   * weights and buffers, the optimizer's state (Adam's moments, step counts, the options such as
   * lr), and the compile settings that are plain data (the optimizer's and the loss's names, the
   * metrics). `Model.fromBytes` reads it back; in Node, `save` writes it to a file.
   */
  toBytes(): Uint8Array {
    const compiled = this.compiled;
    if (compiled === null) return encodeCheckpoint({ model: this.net, extra: { compile: null } }, 'Model.toBytes');
    const settings = savedCompile(compiled.optimizer, compiled.lossSpec, compiled.metricNames);
    return encodeCheckpoint({ model: this.net, optimizer: compiled.optimizer, extra: { compile: { ...settings } } }, 'Model.toBytes');
  }

  /**
   * Saves the model to the file `path` (see `toBytes`), atomically: a crash leaves the old file or
   * the new one. Node only; in a browser use `toBytes`.
   */
  async save(path: string): Promise<void> {
    const bytes = this.toBytes();
    const files = await nodeFiles('Model.save', 'model.toBytes()');
    try {
      await files.writeFileAtomic(path, bytes);
    } catch (error) {
      throw new Error(`Model.save: ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * A model of `net` (the same architecture as the saved one, built anew) from the bytes of a model
   * file: the weights loaded, compiled as saved, and the optimizer's state restored, so that `fit`
   * continues where the saved model stopped. A model compiled with a loss function, or an optimizer
   * `compile` cannot build by name, needs it again in `opts`. A file of another architecture is an
   * Error naming what differs.
   */
  static fromBytes(bytes: Uint8Array, net: Module, opts: LoadModelOptions = {}): Model {
    checkOptions('Model.fromBytes', opts, LOAD_OPTIONS);
    return Model.restore('Model.fromBytes', bytes, net, opts);
  }

  /**
   * Loads the model file `path` that `save` wrote into `net` (see `fromBytes`). Node only; in a
   * browser use `Model.fromBytes`.
   */
  static async load(path: string, net: Module, opts: LoadModelOptions = {}): Promise<Model> {
    checkOptions('Model.load', opts, LOAD_OPTIONS);
    const files = await nodeFiles('Model.load', 'Model.fromBytes(bytes, net)');
    try {
      const file = await files.readFile(path);
      return Model.restore(path, new Uint8Array(file.buffer, file.byteOffset, file.byteLength), net, opts);
    } catch (error) {
      throw new Error(`Model.load: ${(error as Error).message}`, { cause: error });
    }
  }

  private static restore(owner: string, bytes: Uint8Array, net: Module, opts: LoadModelOptions): Model {
    const decoded = decodeCheckpoint(bytes, owner);
    const settings: SavedCompile | null = readSavedCompile(owner, decoded.extra);
    const model = new Model(net);
    if (settings !== null) {
      const optimizer = opts.optimizer ?? settings.optimizer;
      const loss = opts.loss ?? settings.loss;
      if (optimizer === null) throw new Error(`${owner}: the model was compiled with an optimizer that compile cannot build by name; pass it as opts.optimizer`);
      if (loss === null) throw new Error(`${owner}: the model was compiled with a loss function, which a file cannot hold; pass it as opts.loss`);
      model.compile({ optimizer: optimizer as OptimizerName | Optimizer, loss, metrics: settings.metrics });
    }
    restoreCheckpoint(
      decoded,
      { model: net, ...(model.compiled !== null && decoded.optimizer !== null ? { optimizer: model.compiled.optimizer } : {}), restoreRng: opts.restoreRng ?? false },
      owner,
    );
    return model;
  }

  // TrainingTarget, for callbacks.
  getWeights(): Record<string, Tensor> {
    return this.net.stateDict();
  }

  setWeights(weights: Record<string, Tensor>): void {
    this.net.loadStateDict(weights);
  }

  getLearningRate(): number {
    return this.optimizer.paramGroups[0]!.lr;
  }

  setLearningRate(lr: number): void {
    for (const group of this.optimizer.paramGroups) group.lr = lr;
  }
}
