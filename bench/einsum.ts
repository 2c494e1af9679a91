/**
 * einsum against the best hand-written permute / matmul for the same contraction, forward and
 * forward + backward, in the same process: the goal is a ratio near 1 (einsum adds no copy and no
 * work of its own, only the parse, cached, and a few views).
 */
import { einsum, matmul, rand, Generator, type Tensor } from '@nn/autograd';
import { medianMillis } from './measure.js';

interface Contraction {
  equation: string;
  shapes: number[][];
  /** The same contraction written by hand with views and matmul. */
  hand: (...xs: Tensor[]) => Tensor;
}

const CONTRACTIONS: Contraction[] = [
  // Small: what einsum adds per call (parse lookup, binding, views) shows here.
  { equation: 'ij,jk->ik', shapes: [[8, 8], [8, 8]], hand: (a, b) => matmul(a!, b!) },
  { equation: 'ij,jk->ik', shapes: [[256, 256], [256, 256]], hand: (a, b) => matmul(a!, b!) },
  { equation: 'bij,bjk->bik', shapes: [[16, 64, 64], [16, 64, 64]], hand: (a, b) => matmul(a!, b!) },
  { equation: 'bhqd,bhkd->bhqk', shapes: [[8, 4, 64, 32], [8, 4, 64, 32]], hand: (q, k) => matmul(q!, k!.transpose(-1, -2)) },
  { equation: 'bqhd,bkhd->bhqk', shapes: [[8, 64, 4, 32], [8, 64, 4, 32]], hand: (q, k) => matmul(q!.permute([0, 2, 1, 3]), k!.permute([0, 2, 3, 1])) },
];

/** The median of a list. */
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Times `einsumRun` and `handRun` in alternating rounds (so that both see the same load on a shared
 * machine) and returns the medians of the rounds' medians, in milliseconds.
 */
function compare(einsumRun: () => void, handRun: () => void, quick: boolean): { einsum: number; hand: number } {
  const rounds = quick ? 3 : 7;
  const minMillis = quick ? 100 : 400;
  const times = { einsum: [] as number[], hand: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    times.einsum.push(medianMillis(einsumRun, { minMillis, minRuns: 5 }));
    times.hand.push(medianMillis(handRun, { minMillis, minRuns: 5 }));
  }
  return { einsum: median(times.einsum), hand: median(times.hand) };
}

/** The rows of the einsum table: header first. float32, on the current backend. */
export function benchEinsum(quick: boolean): string[][] {
  const rows = [['contraction (float32)', 'einsum forward', 'hand forward', 'ratio', 'einsum fwd + bwd', 'hand fwd + bwd', 'ratio']];
  for (const { equation, shapes, hand } of CONTRACTIONS) {
    const rng = new Generator(7);
    const inputs = shapes.map((shape) => rand(shape, { rng, requiresGrad: true }));
    const cotangent = rand(hand(...inputs).shape, { rng });
    const forward = compare(() => void einsum(equation, ...inputs), () => void hand(...inputs), quick);
    const step = (f: () => Tensor) => () => {
      f().backward(cotangent);
      for (const x of inputs) x.zeroGrad();
    };
    const both = compare(step(() => einsum(equation, ...inputs)), step(() => hand(...inputs)), quick);
    const ms = (v: number): string => `${v.toFixed(3)} ms`;
    rows.push([
      `'${equation}' ${shapes.map((s) => `[${s.join(',')}]`).join(' ')}`,
      ms(forward.einsum), ms(forward.hand), `${(forward.einsum / forward.hand).toFixed(2)}x`,
      ms(both.einsum), ms(both.hand), `${(both.einsum / both.hand).toFixed(2)}x`,
    ]);
  }
  return rows;
}
