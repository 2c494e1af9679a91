/**
 * einsum, lowered onto ops that already differentiate (so first and second order come from them):
 * per operand, size-1 axes that broadcast are squeezed, repeated indices taken as diagonals (a view)
 * and indices nobody else needs summed; then pairs of operands are contracted, the cheapest pair
 * first (greedy: the pair whose result has the fewest elements, the leftmost on a tie), each as one
 * batched `matmul` (or a broadcast `mul` when nothing is contracted); last, the remaining indices
 * not in the output are summed and the axes permuted into the output's order.
 *
 * The operands are arranged for matmul with views: reshape only merges axes, and the merged groups
 * keep the operand's own axis order, so that a contiguous operand is reshaped (a view) and then
 * permuted (a view); only an operand whose merged axes are not adjacent in memory is copied.
 */
import { sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { dtypeAmong, toTensor } from './creation.js';
import { bindEquation, parseEquationCached } from './einsum-parse.js';
import { matmul } from './matmul.js';
import { mul } from './binary.js';
import { sum } from './reduce.js';
import { expand, permute, reshape } from './view.js';
import { diagonal } from './structure.js';

/** An operand on its way through the contraction: a tensor and the label of each of its axes. */
interface Labelled {
  readonly tensor: Tensor;
  readonly labels: readonly string[];
}

/** Sums the axes whose labels are not in `keep`. */
function sumOut(x: Labelled, keep: ReadonlySet<string>): Labelled {
  const axes = x.labels.flatMap((label, axis) => (keep.has(label) ? [] : [axis]));
  if (axes.length === 0) return x;
  return { tensor: sum(x.tensor, axes), labels: x.labels.filter((label) => keep.has(label)) };
}

/** Takes the diagonal of every index repeated within the operand, until each label occurs once (diagonal moves it last). */
function takeDiagonals(x: Labelled): Labelled {
  let { tensor, labels } = x;
  for (;;) {
    const second = labels.findIndex((label, axis) => labels.indexOf(label) !== axis);
    if (second === -1) return { tensor, labels };
    const first = labels.indexOf(labels[second]!);
    tensor = diagonal(tensor, { axis1: first, axis2: second });
    labels = [...labels.filter((_, axis) => axis !== first && axis !== second), labels[first]!];
  }
}

/** Squeezes the size-1 axes whose label has a larger size elsewhere: they broadcast, so the label is the other operands' alone. */
function squeezeBroadcast(x: Labelled, sizes: ReadonlyMap<string, number>): Labelled {
  const dropped = x.labels.map((label, axis) => x.tensor.shape[axis] === 1 && sizes.get(label)! !== 1);
  if (!dropped.includes(true)) return x;
  return {
    tensor: reshape(x.tensor, x.tensor.shape.filter((_, axis) => !dropped[axis])),
    labels: x.labels.filter((_, axis) => !dropped[axis]),
  };
}

/** `permute`, skipped when `axes` keeps every axis in place (no node in the graph for nothing). */
function reorder(x: Tensor, axes: readonly number[]): Tensor {
  return axes.every((axis, k) => axis === k) ? x : permute(x, axes);
}

/**
 * `x` with its axes arranged as `groups` (each group of labels merged into one axis of their total
 * size; an empty group is an axis of size 1). When `x` is contiguous and each merged group is a run
 * of adjacent axes in `x`'s own order, this is a reshape then a permute: views. Otherwise the permute
 * comes first, and the reshape copies.
 */
function arrange(x: Labelled, groups: readonly (readonly string[])[], sizes: ReadonlyMap<string, number>): Tensor {
  const groupSize = (group: readonly string[]): number => sizeOf(group.map((label) => sizes.get(label)!));
  const target = groups.map(groupSize);
  const order = groups.flat();
  const firstAxes = groups.map((group) => (group.length === 0 ? -1 : x.labels.indexOf(group[0]!)));
  const runs = groups.every((group, g) => group.every((label, k) => x.labels[firstAxes[g]! + k] === label));
  const needsReshape = groups.some((group) => group.length !== 1);
  if (!needsReshape) return reorder(x.tensor, order.map((label) => x.labels.indexOf(label)));
  if (runs && x.tensor.isContiguous) {
    // The groups in x's own axis order, the empty ones (size-1 axes) last: a view of x.
    const byPosition = groups.map((_, g) => g).sort((a, b) => (firstAxes[a] === -1 ? Infinity : firstAxes[a]!) - (firstAxes[b] === -1 ? Infinity : firstAxes[b]!));
    const merged = reshape(x.tensor, byPosition.map((g) => target[g]!));
    return reorder(merged, groups.map((_, g) => byPosition.indexOf(g)));
  }
  if (groups.every((group) => group.length <= 1) && !x.tensor.isContiguous) {
    // Only size-1 axes to add to a strided operand: expand adds them in front (stride 0), a view.
    const empty = groups.filter((group) => group.length === 0).length;
    const grown = expand(x.tensor, [...new Array<number>(empty).fill(1), ...x.tensor.shape]);
    let nextEmpty = 0;
    return reorder(grown, groups.map((group) => (group.length === 0 ? nextEmpty++ : empty + x.labels.indexOf(group[0]!))));
  }
  return reshape(reorder(x.tensor, order.map((label) => x.labels.indexOf(label))), target);
}

/** The labels of `a` and `b` that survive their contraction: those in `keep` (the output's and the other operands'). */
function survivors(a: Labelled, b: Labelled, keep: ReadonlySet<string>): string[] {
  return [...new Set([...a.labels, ...b.labels])].filter((label) => keep.has(label));
}

/**
 * Contracts two operands, keeping the labels in `keep`: the labels of both that are kept are batch
 * axes, those of both that are not are summed by the product (K), the others are the rows (M, from
 * `a`) and columns (N, from `b`) of a batched matmul. Labels of one operand alone that are not kept
 * are summed first (the first sums of einsum leave none, but a pair cannot know that).
 */
function contractPair(pairA: Labelled, pairB: Labelled, keep: ReadonlySet<string>, sizes: ReadonlyMap<string, number>): Labelled {
  const a = sumOut(pairA, new Set([...keep, ...pairB.labels]));
  const b = sumOut(pairB, new Set([...keep, ...pairA.labels]));
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((label) => inB.has(label) && keep.has(label));
  const contracted = a.labels.filter((label) => inB.has(label) && !keep.has(label));
  const rows = a.labels.filter((label) => !inB.has(label));
  const cols = b.labels.filter((label) => !inA.has(label));
  const labels = [...batch, ...rows, ...cols];
  const shape = labels.map((label) => sizes.get(label)!);
  if (contracted.length === 0) {
    // Nothing to sum: a broadcast product, [batch, rows, 1] * [batch, 1, cols].
    const left = arrange(a, [...batch.map((l) => [l]), ...rows.map((l) => [l]), ...cols.map(() => [])], sizes);
    const right = arrange(b, [...batch.map((l) => [l]), ...rows.map(() => []), ...cols.map((l) => [l])], sizes);
    return { tensor: mul(left, right), labels };
  }
  const left = arrange(a, [...batch.map((l) => [l]), rows, contracted], sizes);
  const right = arrange(b, [...batch.map((l) => [l]), contracted, cols], sizes);
  // matmul's result is contiguous: splitting its row and column axes back is a view.
  return { tensor: reshape(matmul(left, right), shape), labels };
}

/** The pair to contract next: the one whose result has the fewest elements (the leftmost pair on a tie). */
function cheapestPair(operands: readonly Labelled[], output: ReadonlySet<string>, sizes: ReadonlyMap<string, number>): [number, number] {
  let best: [number, number] = [0, 1];
  let bestSize = Infinity;
  for (let i = 0; i < operands.length; i++) {
    for (let j = i + 1; j < operands.length; j++) {
      const keep = keptBy(operands, [i, j], output);
      const size = sizeOf(survivors(operands[i]!, operands[j]!, keep).map((label) => sizes.get(label)!));
      if (size < bestSize) [best, bestSize] = [[i, j], size];
    }
  }
  return best;
}

/** The labels needed after contracting the operands at `pair`: the output's and those of the other operands. */
function keptBy(operands: readonly Labelled[], pair: readonly number[], output: ReadonlySet<string>): Set<string> {
  const keep = new Set(output);
  operands.forEach((x, i) => {
    if (!pair.includes(i)) for (const label of x.labels) keep.add(label);
  });
  return keep;
}

/**
 * Einstein summation, as torch.einsum: `equation` names each operand's axes with letters (a-z,
 * A-Z); an index repeated within an operand takes its diagonal, an index shared by operands
 * multiplies them along it, and an index not in the output is summed. With `->` the output is
 * explicit; without, it is the indices that occur once, in alphabetical order. `...` stands for
 * the remaining (batch) axes, which broadcast between operands (as do size-1 axes of any index).
 * Spaces are ignored.
 *
 * More than two operands are contracted a pair at a time, the pair with the smallest result first.
 *
 * @example einsum('bhqd,bhkd->bhqk', q, k) // attention scores
 * @example einsum('ii', a) // the trace
 * @example einsum('...ij,...jk', a, b) // batched matmul
 */
export function einsum(equation: string, ...operands: TensorLike[]): Tensor {
  const parsed = parseEquationCached(equation);
  const dtype = dtypeAmong(operands);
  const tensors = operands.map((x) => toTensor(x, 'einsum', dtype));
  const bound = bindEquation(parsed, tensors.map((t) => t.shape));
  const output = new Set(bound.output);
  let work = tensors.map((tensor, i) => takeDiagonals(squeezeBroadcast({ tensor, labels: bound.inputs[i]! }, bound.sizes)));
  // Indices of one operand alone that the output does not keep: summed before any product.
  work = work.map((x, i) => sumOut(x, keptBy(work, [i], output)));
  while (work.length > 1) {
    const [i, j] = cheapestPair(work, output, bound.sizes);
    const keep = keptBy(work, [i, j], output);
    const product = contractPair(work[i]!, work[j]!, keep, bound.sizes);
    work = [...work.slice(0, i), product, ...work.slice(i + 1, j), ...work.slice(j + 1)];
  }
  const last = sumOut(work[0]!, output);
  const axes = bound.output.map((label) => last.labels.indexOf(label));
  return reorder(last.tensor, axes);
}
