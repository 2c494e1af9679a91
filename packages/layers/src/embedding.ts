/**
 * Embedding: a lookup table of vectors indexed by int32 token ids, PyTorch's `nn.Embedding` (Keras's
 * `Embedding`), and its functional form `embedding`.
 */
import { checkGenerator, checkOptions, getDefaultDtype, indexSelect, randn, tensor, where, type DType, type Generator, type Tensor } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { expectInteger, expectTensor, formatShape } from './util.js';

/** Options of `embedding`. */
export interface EmbeddingFunctionOptions {
  /** A row (negative counts from the end, as PyTorch) whose lookups pass no gradient to the weight. */
  paddingIdx?: number;
  /** How errors name the caller (default 'embedding'). */
  label?: string;
}

/** Options of Embedding. */
export interface EmbeddingOptions {
  /** The row that stays zero at init and gets no gradient (negative counts from the end, as PyTorch). */
  paddingIdx?: number;
  /** The dtype of the weight (default: the default dtype). */
  dtype?: DType;
  /** The generator the N(0, 1) init draws from (default: the global one). */
  rng?: Generator;
}

/** Normalizes a paddingIdx against `rows` as PyTorch does (negative counts from the end). */
function normalizePadding(paddingIdx: number | undefined, rows: number, label: string): number | undefined {
  if (paddingIdx === undefined) return undefined;
  const p = expectInteger(paddingIdx, `${label}: option paddingIdx`);
  if (p < -rows || p >= rows) throw new Error(`${label}: paddingIdx must be in [${-rows}, ${rows - 1}] (numEmbeddings = ${rows}), got ${p}`);
  return p < 0 ? p + rows : p;
}

/** The multi-index of the `flat`-th element of a row-major tensor of `shape`. */
function positionOf(flat: number, shape: readonly number[]): number[] {
  const position = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    position[axis] = flat % shape[axis]!;
    flat = Math.floor(flat / shape[axis]!);
  }
  return position;
}

/**
 * The rows of the [numEmbeddings, embeddingDim] `weight` that the int32 `indices` (any shape) name:
 * shape [...indices.shape, embeddingDim] (torch.nn.functional.embedding). Built on indexSelect of
 * the flattened ids then a reshape, so the weight's gradient is a scatterAdd, exact with repeated
 * ids. Lookups of `paddingIdx` read the row as it is but pass it no gradient, as PyTorch.
 */
export function embedding(indices: Tensor, weight: Tensor, opts: EmbeddingFunctionOptions = {}): Tensor {
  checkOptions('embedding', opts, ['paddingIdx', 'label']);
  const label = opts.label ?? 'embedding';
  expectTensor(indices, `${label}: indices`);
  expectTensor(weight, `${label}: weight`);
  if (weight.ndim !== 2) throw new Error(`${label}: weight must be 2-D [numEmbeddings, embeddingDim], got shape ${formatShape(weight.shape)}`);
  if (indices.dtype !== 'int32') throw new Error(`${label}: indices must be an int32 tensor of token ids, got ${indices.dtype} of shape ${formatShape(indices.shape)}`);
  const [rows, dim] = weight.shape as [number, number];
  const ids = indices.data();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= rows) {
      throw new Error(`${label}: token id ${id} at position ${formatShape(positionOf(i, indices.shape))} of indices of shape ${formatShape(indices.shape)} is out of range [0, ${rows - 1}] (numEmbeddings = ${rows})`);
    }
  }
  const padding = normalizePadding(opts.paddingIdx, rows, label);
  const flat = tensor(ids, { shape: [ids.length], dtype: 'int32' });
  let picked = indexSelect(weight, 0, flat);
  if (padding !== undefined && weight.requiresGrad) {
    // The padding lookups read the detached weight, so their gradient never reaches the row.
    const keep = tensor(Array.from(ids, (id) => (id === padding ? 0 : 1)), { shape: [ids.length, 1], dtype: weight.dtype });
    picked = where(keep, picked, indexSelect(weight.detach(), 0, flat));
  }
  return picked.reshape([...indices.shape, dim]);
}

/**
 * A lookup table: `forward(indices)` maps int32 ids of any shape to [...shape, embeddingDim].
 * The weight is initialized N(0, 1) as PyTorch's; the `paddingIdx` row is zeroed at init and gets
 * no gradient.
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The normalized (non-negative) padding row, or undefined. */
  readonly paddingIdx: number | undefined;
  /** The [numEmbeddings, embeddingDim] table. */
  readonly weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}) {
    super();
    checkOptions('Embedding', options, ['paddingIdx', 'dtype', 'rng']);
    this.numEmbeddings = expectInteger(numEmbeddings, 'Embedding: numEmbeddings', 1);
    this.embeddingDim = expectInteger(embeddingDim, 'Embedding: embeddingDim', 1);
    this.paddingIdx = normalizePadding(options.paddingIdx, numEmbeddings, this.label);
    const dtype = options.dtype ?? getDefaultDtype();
    const rng = checkGenerator('Embedding', options.rng);
    const values = randn([numEmbeddings, embeddingDim], { dtype: 'float64', rng }).data() as Float64Array;
    if (this.paddingIdx !== undefined) values.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = parameter(tensor(values, { shape: [numEmbeddings, embeddingDim], dtype }));
  }

  /** `Embedding(10, 3)`: how errors name this layer. */
  get label(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
  }

  override forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight, { label: this.label, ...(this.paddingIdx === undefined ? {} : { paddingIdx: this.paddingIdx }) });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === undefined ? '' : `, paddingIdx=${this.paddingIdx}`}`;
  }
}
