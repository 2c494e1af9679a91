/**
 * TransformerEncoderLayer and TransformerEncoder, PyTorch's `nn.TransformerEncoderLayer` and
 * `nn.TransformerEncoder`: the same sub-modules under the same names (`self_attn`, `linear1`,
 * `dropout`, `linear2`, `norm1`, `norm2`, `dropout1`, `dropout2`; `layers.0.self_attn...`), so that
 * a PyTorch state dict loads unchanged. Keras has no such layer in its core.
 */
import { checkGenerator, checkOptions, describeValue, getDefaultDtype, type DType, type Generator, type Tensor } from '@nn/autograd';
import { Module } from './module.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { GELU } from './activations.js';
import { LayerNorm } from './normalization.js';
import { positive } from './normalize.js';
import { MultiheadAttention, type MultiheadAttentionRunOptions } from './multihead-attention.js';
import { checkDropout } from './attention.js';
import { expectBoolean, expectInteger, expectNumber, expectTensor, formatShape } from './util.js';

/** Options of TransformerEncoderLayer (PyTorch's, camelCased). */
export interface TransformerEncoderLayerOptions {
  /** The hidden width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability of the attention weights and of the three dropouts (default 0.1). */
  dropout?: number;
  /** The feed-forward block's activation: 'relu' (default) or 'gelu' (the exact, erf form). */
  activation?: 'relu' | 'gelu';
  /** Pre-norm: LayerNorm before each block instead of after the residual sum (default false). */
  normFirst?: boolean;
  /** Inputs and output are [batch, length, dModel] instead of [length, batch, dModel] (default false). */
  batchFirst?: boolean;
  /** The eps of both LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** The dtype of the parameters (default: the default dtype). */
  dtype?: DType;
  /** The generator of the init and the dropout masks (default: the global one). */
  rng?: Generator;
}

/** Options of `run` of TransformerEncoderLayer and TransformerEncoder. */
export interface TransformerEncoderRunOptions {
  /**
   * The attention mask, MultiheadAttention's `attnMask` (PyTorch's `src_mask` / `mask`): [L, L] or
   * [batch * nHead, L, L]; int32 1 = NOT allowed to attend, float added.
   */
  mask?: Tensor;
  /** [batch, L] ([L] unbatched): int32 1 = a padding position, ignored as a key; float added. */
  srcKeyPaddingMask?: Tensor;
  /** Position i attends to positions j <= i only (not together with `mask`). */
  causal?: boolean;
}

const RUN_OPTIONS = ['mask', 'srcKeyPaddingMask', 'causal'];

/**
 * One encoder block: self-attention then a feed-forward block (linear1, activation, dropout,
 * linear2), each with dropout, a residual connection and a LayerNorm, as PyTorch's:
 * - post-norm (default): x = norm1(x + sa(x)); x = norm2(x + ff(x))
 * - `normFirst`:         x = x + sa(norm1(x)); x = x + ff(norm2(x))
 *
 * `forward(x)` runs it without masks; `run(x, { mask, srcKeyPaddingMask, causal })` with them.
 */
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly nHead: number;
  readonly dimFeedforward: number;
  readonly activation: 'relu' | 'gelu';
  readonly normFirst: boolean;
  readonly batchFirst: boolean;
  readonly layerNormEps: number;
  readonly self_attn: MultiheadAttention;
  readonly linear1: Dense;
  readonly dropout: Dropout;
  readonly linear2: Dense;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  /** The options it was made with, for `clone`. */
  private readonly options: TransformerEncoderLayerOptions;
  private readonly activate: (x: Tensor) => Tensor;

  constructor(dModel: number, nHead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const name = 'TransformerEncoderLayer';
    checkOptions(name, options, ['dimFeedforward', 'dropout', 'activation', 'normFirst', 'batchFirst', 'layerNormEps', 'dtype', 'rng']);
    this.dModel = expectInteger(dModel, `${name}: dModel`, 1);
    this.nHead = expectInteger(nHead, `${name}: nHead`, 1);
    if (dModel % nHead !== 0) throw new Error(`${name}: dModel ${dModel} is not divisible by nHead ${nHead} (each head gets dModel / nHead features)`);
    this.dimFeedforward = expectInteger(options.dimFeedforward ?? 2048, `${name}: option dimFeedforward`, 1);
    const p = checkDropout(options.dropout ?? 0.1, `${name}: option dropout`);
    const activation = options.activation ?? 'relu';
    if (activation !== 'relu' && activation !== 'gelu') throw new Error(`${name}: option activation must be 'relu' or 'gelu', got ${describeValue(activation)}`);
    this.activation = activation;
    this.normFirst = expectBoolean(options.normFirst ?? false, `${name}: option normFirst`);
    this.batchFirst = expectBoolean(options.batchFirst ?? false, `${name}: option batchFirst`);
    this.layerNormEps = expectNumber(options.layerNormEps ?? 1e-5, `${name}: option layerNormEps`, positive, 'a positive number');
    const rng = checkGenerator(name, options.rng);
    const dtype = options.dtype ?? getDefaultDtype();
    this.options = { ...options };
    const withRng = rng === undefined ? {} : { rng };
    this.self_attn = new MultiheadAttention(dModel, nHead, { dropout: p, batchFirst: this.batchFirst, dtype, ...withRng });
    this.linear1 = new Dense(dModel, this.dimFeedforward, { dtype, ...withRng });
    this.dropout = new Dropout(p, withRng);
    this.linear2 = new Dense(this.dimFeedforward, dModel, { dtype, ...withRng });
    this.norm1 = new LayerNorm(dModel, { eps: this.layerNormEps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: this.layerNormEps, dtype });
    this.dropout1 = new Dropout(p, withRng);
    this.dropout2 = new Dropout(p, withRng);
    const gelu = new GELU();
    this.activate = activation === 'relu' ? (x) => x.relu() : (x) => gelu.forward(x);
  }

  /** `TransformerEncoderLayer(8, 2)`: how errors name this layer. */
  get label(): string {
    return `TransformerEncoderLayer(${this.dModel}, ${this.nHead})`;
  }

  /** The block without masks: `run(x)`. */
  override forward(x: Tensor): Tensor {
    return this.run(x);
  }

  /** The block on `src` ([L, batch, dModel], [batch, L, dModel] with batchFirst, or [L, dModel]), with masks. */
  run(src: Tensor, opts: TransformerEncoderRunOptions = {}): Tensor {
    checkOptions(`${this.constructor.name}.run`, opts, RUN_OPTIONS);
    expectTensor(src, `${this.label}: src`);
    if ((src.ndim !== 2 && src.ndim !== 3) || src.shape[src.ndim - 1] !== this.dModel) {
      const layout = this.batchFirst ? '[batch, length, dModel]' : '[length, batch, dModel]';
      throw new Error(`${this.label}: expected src ${layout} (batchFirst=${this.batchFirst}) or unbatched [length, dModel] with dModel = ${this.dModel}, got shape ${formatShape(src.shape)}`);
    }
    const attention = {
      needWeights: false,
      ...(opts.mask === undefined ? {} : { attnMask: opts.mask }),
      ...(opts.srcKeyPaddingMask === undefined ? {} : { keyPaddingMask: opts.srcKeyPaddingMask }),
      ...(opts.causal === undefined ? {} : { causal: opts.causal }),
    };
    const sa = (x: Tensor): Tensor => this.dropout1.call(this.selfAttention(x, attention));
    const ff = (x: Tensor): Tensor => this.dropout2.call(this.linear2.call(this.dropout.call(this.activate(this.linear1.call(x)))));
    let x = src;
    if (this.normFirst) {
      x = x.add(sa(this.norm1.call(x)));
      return x.add(ff(this.norm2.call(x)));
    }
    x = this.norm1.call(x.add(sa(x)));
    return this.norm2.call(x.add(ff(x)));
  }

  /**
   * self_attn on x, its errors (a mask of the wrong shape) prefixed with this layer's name, so that
   * they say which encoder layer got the bad mask (`mask` is its attnMask, `srcKeyPaddingMask` its
   * keyPaddingMask).
   */
  private selfAttention(x: Tensor, options: MultiheadAttentionRunOptions): Tensor {
    try {
      return this.self_attn.run(x, x, x, options).output;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith(this.self_attn.label)) {
        throw new Error(`${this.label}: self_attn: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }

  /** A new layer with the same settings and a copy of the parameters (PyTorch's `copy.deepcopy`). */
  clone(): TransformerEncoderLayer {
    const copy = new TransformerEncoderLayer(this.dModel, this.nHead, { ...this.options, dtype: this.linear1.weight.dtype });
    copy.loadStateDict(this.stateDict());
    return copy.train(this.training);
  }

  override extraRepr(): string {
    const parts = [`${this.dModel}, ${this.nHead}, dimFeedforward=${this.dimFeedforward}, dropout=${this.dropout.p}`];
    if (this.activation !== 'relu') parts.push(`activation='${this.activation}'`);
    if (this.normFirst) parts.push('normFirst=true');
    if (this.batchFirst) parts.push('batchFirst=true');
    return parts.join(', ');
  }
}

/** Options of TransformerEncoder. */
export interface TransformerEncoderOptions {
  /** A final module applied to the output (PyTorch's `norm`, usually a LayerNorm; default none). */
  norm?: Module;
}

/**
 * A stack of `numLayers` copies of `layer` (each a deep copy, starting from the same weights, as
 * PyTorch's; `layer` itself is not used), then the optional final `norm`. State-dict keys
 * `layers.0.self_attn.in_proj_weight`, ..., `norm.weight`.
 */
export class TransformerEncoder extends Module {
  readonly numLayers: number;
  readonly layers: TransformerEncoderLayer[];
  readonly norm: Module | null;

  constructor(layer: TransformerEncoderLayer, numLayers: number, options: TransformerEncoderOptions = {}) {
    super();
    checkOptions('TransformerEncoder', options, ['norm']);
    if (!(layer instanceof TransformerEncoderLayer)) throw new Error(`TransformerEncoder: layer must be a TransformerEncoderLayer, got ${describeValue(layer)}`);
    this.numLayers = expectInteger(numLayers, 'TransformerEncoder: numLayers', 1);
    if (options.norm !== undefined && !(options.norm instanceof Module)) throw new Error(`TransformerEncoder: option norm must be a Module, got ${describeValue(options.norm)}`);
    this.layers = Array.from({ length: numLayers }, () => layer.clone());
    this.norm = options.norm ?? null;
  }

  /** The stack without masks: `run(x)`. */
  override forward(x: Tensor): Tensor {
    return this.run(x);
  }

  /** The stack on `src`, every layer given the same masks (see TransformerEncoderLayer.run). */
  run(src: Tensor, opts: TransformerEncoderRunOptions = {}): Tensor {
    checkOptions('TransformerEncoder.run', opts, RUN_OPTIONS);
    let x = src;
    for (const layer of this.layers) x = layer.run(x, opts);
    return this.norm === null ? x : this.norm.call(x);
  }

  override extraRepr(): string {
    return `numLayers=${this.numLayers}`;
  }
}
