/**
 * The public ops that are not primitive records, with what docs/ops.md says of them: composites
 * (plain functions built from primitives, so that they differentiate through the primitives' rules)
 * and ops whose result carries no gradient (comparisons, sign, creation, graph functions). A
 * primitive keeps its doc in its own record; an op of this kind gets a line here.
 */
import type { OpDoc } from '../op.js';

/** A public op that is not a primitive record. */
export interface UnrecordedOp {
  /** The primitives (or other composites) it is built from, or 'none' when its result has no gradient. */
  readonly gradient: { readonly builtFrom: readonly string[] } | 'none';
  readonly doc: OpDoc;
}

const comparisonNotes = "Exact 0/1 values in the operands' promoted dtype; never requires grad. NaN compares unequal to everything.";
const creationNotes = 'A leaf; requiresGrad: true makes it one that collects a gradient.';
const FLOAT_ONLY = ['float32', 'float64'] as const;
const maxPoolNotes =
  'Batched or unbatched; the stride defaults to the kernel size; padding is -Infinity, at most half the kernel; ceilMode keeps a last window ' +
  'that starts inside the input or the left padding. The gradient goes to the first maximum of each window (row-major); a NaN in a window ' +
  'makes the output NaN and takes the gradient (the last NaN, as PyTorch). A dilated window wholly in the padding is an error.';
const avgPoolNotes =
  'Batched or unbatched; the stride defaults to the kernel size; padding is zeros, at most half the kernel, counted in the divisor unless ' +
  'countIncludePad is false; with ceilMode a window past the padded edge divides by its part up to that edge (PyTorch\'s divisors). ' +
  'Linear: the gradient is the transposed pool (meanPool2dTranspose).';
const adaptiveNotes =
  'Window i along an axis of length L covers [floor(i * L / out), ceil((i + 1) * L / out)), as PyTorch; outputSize is a number or one per axis.';

export const unrecordedOps = {
  // Composites.
  mean: { gradient: { builtFrom: ['sum', 'div'] }, doc: { torch: 'torch.mean', method: 'mean', dtypes: FLOAT_ONLY, notes: 'An int32 tensor has no mean of its dtype (as PyTorch): cast it first.' } },
  logSumExp: {
    gradient: { builtFrom: ['max', 'sub', 'exp', 'sum', 'log', 'add'] },
    doc: {
      torch: 'torch.logsumexp',
      method: 'logSumExp',
      notes: 'm + log(sum(exp(x - m))) with m the maximum (a constant): no overflow or underflow. A line of -Infinity gives -Infinity, ' +
        'one holding +Infinity gives +Infinity, as PyTorch\'s.',
    },
  },
  stack: { gradient: { builtFrom: ['unsqueeze', 'concat'] }, doc: { torch: 'torch.stack' } },
  squeeze: {
    gradient: { builtFrom: ['reshape'] },
    doc: { torch: 'torch.squeeze', method: 'squeeze', notes: 'Takes several axes; a given axis whose size is not 1 is an error (PyTorch leaves it).' },
  },
  unsqueeze: { gradient: { builtFrom: ['reshape'] }, doc: { torch: 'torch.unsqueeze', method: 'unsqueeze' } },
  transpose: {
    gradient: { builtFrom: ['permute'] },
    doc: { torch: 'torch.transpose', method: 'transpose', notes: 'The axes default to the last two (as x.mT); a view.' },
  },
  roll: {
    gradient: { builtFrom: ['slice', 'concat', 'reshape'] },
    doc: { torch: 'torch.roll', notes: 'Without axes the flattened tensor is rolled and reshaped back; shifts wrap (negative ones roll back).' },
  },
  tile: { gradient: { builtFrom: ['reshape', 'expand'] }, doc: { torch: 'torch.tile', notes: 'Fewer reps than axes are padded with leading 1s, more add leading axes; one copy.' } },
  flatten: { gradient: { builtFrom: ['reshape'] }, doc: { torch: 'torch.flatten', notes: 'Axes startAxis to endAxis, both included; a view of a contiguous tensor; rank 0 gives [1].' } },
  split: {
    gradient: { builtFrom: ['slice'] },
    doc: { torch: 'torch.split', notes: 'Views; pieces of one size (the last one smaller) or of listed sizes that sum to the axis.' },
  },
  chunk: {
    gradient: { builtFrom: ['slice'] },
    doc: { torch: 'torch.chunk', notes: 'Views of ceil(size / chunks) elements, the last smaller; fewer pieces when they do not all fill (as PyTorch).' },
  },
  maskedFill: {
    gradient: { builtFrom: ['where'] },
    doc: { torch: 'Tensor.masked_fill', notes: 'mask (nonzero, NaN included, meaning true) broadcasts to x\'s shape; value is a number or a rank-0 tensor. The gradient is 0 where filled (selected by where, not multiplied by a mask, so an infinite gradient never gives NaN).' },
  },
  sort: {
    gradient: { builtFrom: ['gather'] },
    doc: { torch: 'torch.sort(stable=True)', notes: 'Stable: ties keep their order. NaN sorts as the largest value (last ascending, first descending), as PyTorch. indices are int32; the gradient of values goes back to the positions they came from.' },
  },
  topk: {
    gradient: { builtFrom: ['gather'] },
    doc: { torch: 'torch.topk', notes: 'Sorted; ties come in the order of their positions (PyTorch leaves their order open); NaN counts as the largest value. indices are int32; the gradient of values goes to the chosen positions.' },
  },
  maxPool1d: {
    gradient: { builtFrom: ['windowMax', 'reshape'] },
    doc: { torch: 'torch.nn.functional.max_pool1d', dtypes: FLOAT_ONLY, notes: maxPoolNotes },
  },
  maxPool2d: {
    gradient: { builtFrom: ['windowMax', 'reshape'] },
    doc: { torch: 'torch.nn.functional.max_pool2d', dtypes: FLOAT_ONLY, notes: maxPoolNotes },
  },
  avgPool1d: {
    gradient: { builtFrom: ['meanPool2d', 'reshape'] },
    doc: { torch: 'torch.nn.functional.avg_pool1d', dtypes: FLOAT_ONLY, notes: avgPoolNotes },
  },
  avgPool2d: {
    gradient: { builtFrom: ['meanPool2d', 'reshape'] },
    doc: { torch: 'torch.nn.functional.avg_pool2d', dtypes: FLOAT_ONLY, notes: avgPoolNotes },
  },
  adaptiveAvgPool1d: {
    gradient: { builtFrom: ['meanPool2d', 'reshape'] },
    doc: { torch: 'torch.nn.functional.adaptive_avg_pool1d', dtypes: FLOAT_ONLY, notes: adaptiveNotes },
  },
  adaptiveAvgPool2d: {
    gradient: { builtFrom: ['meanPool2d', 'reshape'] },
    doc: { torch: 'torch.nn.functional.adaptive_avg_pool2d', dtypes: FLOAT_ONLY, notes: adaptiveNotes },
  },
  einsum: {
    gradient: { builtFrom: ['reshape', 'permute', 'expand', 'diagonal', 'sum', 'mul', 'matmul'] },
    doc: {
      torch: 'torch.einsum',
      notes: 'Explicit (->) and implicit output (the indices that occur once, alphabetical, after ...); a repeated index takes a diagonal; ... and size-1 axes broadcast. ' +
        'Lowered onto views, sum and one batched matmul per pair of operands (the pair with the smallest result first). int32 operands give int32 and mixed dtypes promote, as matmul\'s (PyTorch requires one dtype).',
    },
  },
  conv1d: {
    gradient: { builtFrom: ['unsqueeze', 'conv2d', 'add', 'squeeze'] },
    doc: { torch: 'torch.nn.functional.conv1d', dtypes: FLOAT_ONLY, notes: "conv2d on views with H = 1 (no copy): [N, C, L] or [C, L]; padding 'same' and 'valid' as conv2d." },
  },
  convTranspose1d: {
    gradient: { builtFrom: ['unsqueeze', 'convTranspose2d', 'add', 'squeeze'] },
    doc: { torch: 'torch.nn.functional.conv_transpose1d', dtypes: FLOAT_ONLY, notes: 'convTranspose2d on views with H = 1 (no copy); weight [Cin, Cout / groups, K].' },
  },
  // No gradient.
  argmax: { gradient: 'none', doc: { torch: 'torch.argmax', method: 'argmax', notes: 'int32 positions; no axis: the index into the flattened tensor. The first occurrence wins a tie; a NaN counts as the largest.' } },
  argmin: { gradient: 'none', doc: { torch: 'torch.argmin', method: 'argmin', notes: 'int32 positions; no axis: the index into the flattened tensor. The first occurrence wins a tie; a NaN counts as the smallest.' } },
  argsort: { gradient: 'none', doc: { torch: 'torch.argsort(stable=True)', notes: 'int32 positions; stable, NaN largest, as sort.' } },
  multinomial: {
    gradient: 'none',
    doc: { torch: 'torch.multinomial', dtypes: FLOAT_ONLY, notes: 'int32 samples from a Generator (opts.rng or the global one): reproducible from a seed, not PyTorch\'s stream. probs is 1-D or 2-D, finite, non-negative, no row all zero; without replacement numSamples is at most the nonzero count.' },
  },
  eq: { gradient: 'none', doc: { torch: 'torch.eq', method: 'eq', notes: comparisonNotes } },
  ne: { gradient: 'none', doc: { torch: 'torch.ne', method: 'ne', notes: comparisonNotes } },
  lt: { gradient: 'none', doc: { torch: 'torch.lt', method: 'lt', notes: comparisonNotes } },
  le: { gradient: 'none', doc: { torch: 'torch.le', method: 'le', notes: comparisonNotes } },
  gt: { gradient: 'none', doc: { torch: 'torch.gt', method: 'gt', notes: comparisonNotes } },
  ge: { gradient: 'none', doc: { torch: 'torch.ge', method: 'ge', notes: comparisonNotes } },
  sign: { gradient: 'none', doc: { torch: 'torch.sign', notes: '-1, 0 or 1; NaN gives 0, as PyTorch\'s. Piecewise constant: abs uses it for its gradient.' } },
  tensor: { gradient: 'none', doc: { torch: 'torch.tensor', notes: `${creationNotes} Takes nested arrays and typed arrays (copied).` } },
  zeros: { gradient: 'none', doc: { torch: 'torch.zeros', notes: creationNotes } },
  ones: { gradient: 'none', doc: { torch: 'torch.ones', notes: creationNotes } },
  full: { gradient: 'none', doc: { torch: 'torch.full', notes: creationNotes } },
  eye: { gradient: 'none', doc: { torch: 'torch.eye', notes: creationNotes } },
  arange: { gradient: 'none', doc: { torch: 'torch.arange', notes: `${creationNotes} [start, stop) by step.` } },
  rand: { gradient: 'none', doc: { torch: 'torch.rand', dtypes: FLOAT_ONLY, notes: `${creationNotes} Drawn from opts.rng or the global generator (manualSeed).` } },
  randn: { gradient: 'none', doc: { torch: 'torch.randn', dtypes: FLOAT_ONLY, notes: `${creationNotes} Drawn from opts.rng or the global generator (manualSeed).` } },
  linspace: {
    gradient: 'none',
    doc: {
      torch: 'torch.linspace',
      notes: `${creationNotes} PyTorch's values bit for bit (the first half from start, the second from stop); int32 needs integer ends and truncates.`,
    },
  },
  randint: { gradient: 'none', doc: { torch: 'torch.randint', dtypes: ['int32'], notes: 'Uniform integers in [low, high), int32, drawn from opts.rng or the global generator (manualSeed).' } },
  zerosLike: { gradient: 'none', doc: { torch: 'torch.zeros_like', notes: 'The shape and dtype of its argument; never requires grad.' } },
  onesLike: { gradient: 'none', doc: { torch: 'torch.ones_like', notes: 'The shape and dtype of its argument; never requires grad.' } },
  detach: { gradient: 'none', doc: { torch: 'Tensor.detach', method: 'detach', notes: 'The same values, cut from the graph (shares the storage).' } },
  zeroGrad: { gradient: 'none', doc: { torch: 'x.grad = None', method: 'zeroGrad', notes: 'Clears the accumulated gradient of a leaf.' } },
} as const satisfies Record<string, UnrecordedOp>;
