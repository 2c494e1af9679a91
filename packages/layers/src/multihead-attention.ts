/**
 * MultiheadAttention, PyTorch's `nn.MultiheadAttention` (Keras's `MultiHeadAttention`): its
 * parameters, state-dict keys, init, masks and outputs, so that a PyTorch state dict loads unchanged.
 *
 * Speed: the heads are never looped over in JS. The projections are one matmul each (with a slice
 * of the packed weight), the heads are a reshape and a transpose to [batch, heads, length, headDim],
 * and attention is batched matmuls over those axes.
 */
import { checkGenerator, checkOptions, getDefaultDtype, type DType, type FloatDType, type Generator, type Tensor } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { Dense } from './dense.js';
import { glorotUniform, zeros as zerosInit } from './initializers.js';
import { additiveMask, causalMask } from './attention-mask.js';
import { attend, checkDropout } from './attention.js';
import { expectBoolean, expectInteger, expectTensor, formatShape } from './util.js';

/** Options of MultiheadAttention (PyTorch's, camelCased). */
export interface MultiheadAttentionOptions {
  /** Biases in the input and output projections (default true). */
  bias?: boolean;
  /** Inputs and output are [batch, length, features] instead of [length, batch, features] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the attention weights, in training mode (default 0). */
  dropout?: number;
  /** The features of the key (default embedDim). */
  kdim?: number;
  /** The features of the value (default embedDim). */
  vdim?: number;
  /** The dtype of the parameters (default: the default dtype). */
  dtype?: DType;
  /** The generator the init and the dropout masks draw from (default: the global one). */
  rng?: Generator;
}

/** Options of `MultiheadAttention.run`. */
export interface MultiheadAttentionRunOptions {
  /**
   * [batch, S] ([S] unbatched). int32 0/1: **1 = ignore that key** (PyTorch's bool
   * `key_padding_mask`, True = padding); float: added to the scores of that key.
   */
  keyPaddingMask?: Tensor;
  /**
   * [L, S], or [batch * numHeads, L, S] ([numHeads, L, S] unbatched). int32 0/1: **1 = NOT allowed
   * to attend** (PyTorch's bool `attn_mask`; the opposite of scaledDotProductAttention's mask);
   * float: added to the scores.
   */
  attnMask?: Tensor;
  /** Query i attends to keys j <= i only (a cached `triu` mask); not together with attnMask. */
  causal?: boolean;
  /** Return the attention weights (default true); false gives `weights: null` and saves their work. */
  needWeights?: boolean;
  /** The weights averaged over the heads, [batch, L, S] (default true), else [batch, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

/** What `MultiheadAttention.run` returns. */
export interface MultiheadAttentionResult {
  /** [L, batch, embedDim] ([batch, L, embedDim] with batchFirst, [L, embedDim] unbatched). */
  output: Tensor;
  /** The attention weights (after dropout, as PyTorch's), or null without needWeights. */
  weights: Tensor | null;
}

const RUN_OPTIONS = ['keyPaddingMask', 'attnMask', 'causal', 'needWeights', 'averageAttnWeights'];

/**
 * Multi-head attention: `run(query, key, value, opts)` projects the three inputs, splits the
 * features into `numHeads` heads of `embedDim / numHeads`, runs scaled dot-product attention in
 * every head at once, joins the heads and projects the result. `forward(x)` is self-attention,
 * `run(x, x, x).output`.
 *
 * Parameters as PyTorch's: the packed `in_proj_weight` [3 * embedDim, embedDim] (query, key, value
 * rows in that order), or `q_proj_weight`, `k_proj_weight` [embedDim, kdim], `v_proj_weight`
 * [embedDim, vdim] when kdim or vdim differ from embedDim; `in_proj_bias` [3 * embedDim];
 * `out_proj.weight`, `out_proj.bias`. Init as PyTorch's: Xavier-uniform input projections, zero
 * biases, `out_proj.weight` as nn.Linear's.
 *
 * Inputs are [length, batch, features] (PyTorch's default), [batch, length, features] with
 * `batchFirst`, or unbatched [length, features].
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly numHeads: number;
  /** embedDim / numHeads. */
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  /** The dropout probability on the attention weights (training mode only). */
  readonly dropout: number;
  /** The packed [3E, E] projection, or null when kdim or vdim differ from embedDim. */
  readonly in_proj_weight: Tensor | null;
  /** The separate projections, used when kdim or vdim differ from embedDim (else null). */
  readonly q_proj_weight: Tensor | null;
  readonly k_proj_weight: Tensor | null;
  readonly v_proj_weight: Tensor | null;
  /** The [3E] bias of the three projections, or null without bias. */
  readonly in_proj_bias: Tensor | null;
  readonly out_proj: Dense;
  private readonly rng: Generator | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkOptions('MultiheadAttention', options, ['bias', 'batchFirst', 'dropout', 'kdim', 'vdim', 'dtype', 'rng']);
    this.embedDim = expectInteger(embedDim, 'MultiheadAttention: embedDim', 1);
    this.numHeads = expectInteger(numHeads, 'MultiheadAttention: numHeads', 1);
    if (embedDim % numHeads !== 0) {
      throw new Error(`MultiheadAttention: embedDim ${embedDim} is not divisible by numHeads ${numHeads} (each head gets embedDim / numHeads features)`);
    }
    this.headDim = embedDim / numHeads;
    this.kdim = expectInteger(options.kdim ?? embedDim, 'MultiheadAttention: option kdim', 1);
    this.vdim = expectInteger(options.vdim ?? embedDim, 'MultiheadAttention: option vdim', 1);
    const bias = expectBoolean(options.bias ?? true, 'MultiheadAttention: option bias');
    this.batchFirst = expectBoolean(options.batchFirst ?? false, 'MultiheadAttention: option batchFirst');
    this.dropout = checkDropout(options.dropout ?? 0, 'MultiheadAttention: option dropout');
    this.rng = checkGenerator('MultiheadAttention', options.rng);
    const dtype = options.dtype ?? getDefaultDtype();
    const init = (shape: number[]): Tensor => parameter(glorotUniform(shape, { dtype, rng: this.rng }));
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.in_proj_weight = packed ? init([3 * embedDim, embedDim]) : null;
    this.q_proj_weight = packed ? null : init([embedDim, embedDim]);
    this.k_proj_weight = packed ? null : init([embedDim, this.kdim]);
    this.v_proj_weight = packed ? null : init([embedDim, this.vdim]);
    this.in_proj_bias = bias ? parameter(zerosInit([3 * embedDim], { dtype })) : null;
    this.out_proj = new Dense(embedDim, embedDim, { bias, dtype, ...(this.rng === undefined ? {} : { rng: this.rng }), biasInitializer: zerosInit });
  }

  /** `MultiheadAttention(8, 2)`: how errors name this layer. */
  get label(): string {
    return `MultiheadAttention(${this.embedDim}, ${this.numHeads})`;
  }

  /** Self-attention: `run(x, x, x).output` (the weights are not computed). */
  override forward(x: Tensor): Tensor {
    return this.run(x, x, x, { needWeights: false }).output;
  }

  /** The projection of query (0), key (1) or value (2): x W^T + b on the last axis. */
  private project(x: Tensor, which: 0 | 1 | 2): Tensor {
    const e = this.embedDim;
    const weight = this.in_proj_weight !== null ? this.in_proj_weight.slice([which * e, 0], [(which + 1) * e, e]) : [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][which]!;
    const y = x.matmul(weight.transpose());
    return this.in_proj_bias === null ? y : y.add(this.in_proj_bias.slice([which * e], [(which + 1) * e]));
  }

  /**
   * The three projections, one matmul each, also in self-attention: one product with the packed
   * weight and three slices of its result cost more, because each slice's gradient is padded to
   * the whole [N, L, 3E] and the three are added (a GPT-like training step took 7% longer).
   */
  private projections(query: Tensor, key: Tensor, value: Tensor): [Tensor, Tensor, Tensor] {
    return [this.project(query, 0), this.project(key, 1), this.project(value, 2)];
  }

  /** The checks of the three inputs; returns them batch-first [N, length, features]. */
  private batchFirstInputs(query: Tensor, key: Tensor, value: Tensor): { q: Tensor; k: Tensor; v: Tensor; unbatched: boolean } {
    const names = ['query', 'key', 'value'] as const;
    const inputs = [query, key, value];
    inputs.forEach((t, i) => expectTensor(t, `${this.label}: ${names[i]}`));
    const all = `query ${formatShape(query.shape)}, key ${formatShape(key.shape)}, value ${formatShape(value.shape)}`;
    const layout = this.batchFirst ? '[batch, length, features]' : '[length, batch, features]';
    if ((query.ndim !== 2 && query.ndim !== 3) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new Error(`${this.label}: query, key and value must all be 3-D ${layout} (batchFirst=${this.batchFirst}) or all 2-D unbatched [length, features], got ${all}`);
    }
    [this.embedDim, this.kdim, this.vdim].forEach((features, i) => {
      const t = inputs[i]!;
      if (t.shape[t.ndim - 1] !== features) {
        throw new Error(`${this.label}: ${names[i]} must have ${features} features (last axis${i === 0 ? ', embedDim' : i === 1 ? ', kdim' : ', vdim'}), got ${all}`);
      }
    });
    const unbatched = query.ndim === 2;
    const toBatchFirst = (t: Tensor): Tensor => (unbatched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const [q, k, v] = inputs.map(toBatchFirst) as [Tensor, Tensor, Tensor];
    if (k.shape[0] !== q.shape[0] || v.shape[0] !== q.shape[0]) {
      throw new Error(`${this.label}: query, key and value must have the same batch size (batchFirst=${this.batchFirst}: inputs are ${layout}), got ${all}`);
    }
    if (k.shape[1] !== v.shape[1]) {
      throw new Error(`${this.label}: key and value must have the same length (batchFirst=${this.batchFirst}: inputs are ${layout}), got ${all}`);
    }
    return { q, k, v, unbatched };
  }

  /** The additive mask of attnMask, causal and keyPaddingMask together, broadcastable to [N, H, L, S]. */
  private combinedMask(opts: MultiheadAttentionRunOptions, batch: number, length: number, keys: number, unbatched: boolean, dtype: FloatDType): Tensor | null {
    const causal = expectBoolean(opts.causal ?? false, `${this.label}: option causal`);
    let mask: Tensor | null = null;
    if (opts.attnMask !== undefined) {
      if (causal) throw new Error(`${this.label}: give either attnMask or causal, not both; add the causal mask into yours instead`);
      const m = expectTensor(opts.attnMask, `${this.label}: attnMask`);
      const heads = unbatched ? this.numHeads : batch * this.numHeads;
      const ok2 = m.ndim === 2 && m.shape[0] === length && m.shape[1] === keys;
      const ok3 = m.ndim === 3 && m.shape[0] === heads && m.shape[1] === length && m.shape[2] === keys;
      if (!ok2 && !ok3) {
        throw new Error(`${this.label}: attnMask must have shape ${formatShape([length, keys])} (L, S) or ${formatShape([heads, length, keys])} (${unbatched ? 'numHeads' : 'batch * numHeads'}, L, S), got ${formatShape(m.shape)}`);
      }
      const additive = additiveMask(m, dtype, 'ignore', `${this.label}: attnMask`);
      mask = ok3 ? additive.reshape([batch, this.numHeads, length, keys]) : additive;
    } else if (causal) {
      mask = causalMask(length, keys, dtype);
    }
    if (opts.keyPaddingMask !== undefined) {
      const m = expectTensor(opts.keyPaddingMask, `${this.label}: keyPaddingMask`);
      const expected = unbatched ? [keys] : [batch, keys];
      if (m.ndim !== expected.length || m.shape.some((d, i) => d !== expected[i])) {
        throw new Error(`${this.label}: keyPaddingMask must have shape ${formatShape(expected)} (${unbatched ? 'S' : 'batch, S'}), got ${formatShape(m.shape)}`);
      }
      const padding = additiveMask(m, dtype, 'ignore', `${this.label}: keyPaddingMask`).reshape([batch, 1, 1, keys]);
      mask = mask === null ? padding : mask.add(padding);
    }
    return mask;
  }

  /**
   * Attention of `query` over `key` / `value`: `{ output, weights }`. Masks: `attnMask` and
   * `keyPaddingMask` (int32 1 = masked out, float added), `causal`. A query whose keys are all masked
   * out gives NaN, as in PyTorch. Dropout on the weights in training mode only.
   */
  run(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionRunOptions = {}): MultiheadAttentionResult {
    checkOptions(`${this.constructor.name}.run`, opts, RUN_OPTIONS);
    const needWeights = expectBoolean(opts.needWeights ?? true, `${this.label}: option needWeights`);
    const average = expectBoolean(opts.averageAttnWeights ?? true, `${this.label}: option averageAttnWeights`);
    const { q: q0, k: k0, v: v0, unbatched } = this.batchFirstInputs(query, key, value);
    const [batch, length] = q0.shape as [number, number, number];
    const keys = k0.shape[1]!;
    const [qp, kp, vp] = this.projections(q0, k0, v0);
    const heads = (t: Tensor, n: number): Tensor => t.reshape([batch, n, this.numHeads, this.headDim]).transpose(1, 2);
    const mask = this.combinedMask(opts, batch, length, keys, unbatched, qp.dtype as FloatDType);
    const dropout = this.training ? this.dropout : 0;
    const result = attend(heads(qp, length), heads(kp, keys), heads(vp, keys), mask, 1 / Math.sqrt(this.headDim), dropout, this.rng);
    const joined = result.output.transpose(1, 2).reshape([batch, length, this.embedDim]);
    const out = this.out_proj.call(joined);
    const output = unbatched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    if (!needWeights) return { output, weights: null };
    const weights = average ? result.weights.mean(1) : result.weights;
    return { output, weights: unbatched ? weights.squeeze(0) : weights };
  }

  override extraRepr(): string {
    const parts = [`${this.embedDim}, ${this.numHeads}`];
    if (this.kdim !== this.embedDim) parts.push(`kdim=${this.kdim}`);
    if (this.vdim !== this.embedDim) parts.push(`vdim=${this.vdim}`);
    if (this.in_proj_bias === null) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    return parts.join(', ');
  }
}
