/**
 * The index, scan and sort ops at the sizes training runs them: an embedding lookup (indexSelect of
 * a [1000, 128] table by 32 x 64 token ids) and its gradient (a scatterAdd with repeated ids), gather
 * along the last axis, cumsum along either axis, argmax, a causal tril mask, and sorting (rows of
 * 1000 and a vector of 1e6). @nn is timed first, on every workload, then TensorFlow.js's CPU and WASM
 * backends on the same float32 values where TensorFlow.js has the op: tf.gather, tf.scatterND (which
 * sums repeated indices), tf.grad of tf.gather (its gradient is tf.unsortedSegmentSum, which the WASM
 * backend lacks), tf.cumsum, tf.argMax, tf.linalg.bandPart, tf.topk (sorted, descending).
 *
 * These ops' loops are JavaScript under either @nn backend setting, so @nn is timed on the JS
 * backend, one thread. A TensorFlow.js backend that takes more than MAX_PEER_CALL_MS for one call
 * is not timed (the cell says how long its one call took), so that the part stays near a minute.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  argmax, argsort, cumsum, gather, indexSelect, rand, randint, scatterAdd, sort, tril, zeros, Generator, type Tensor,
} from '@nn/autograd';
import { medianMillis } from './measure.js';
import { useTfjs } from './tfjs.js';

/** One call longer than this on a TensorFlow.js backend and that backend is not timed on the workload. */
const MAX_PEER_CALL_MS = 2000;

interface Workload {
  name: string;
  /** @nn's call (its inputs made beforehand). */
  ours: () => unknown;
  /** TensorFlow.js's call on its own tensors (made from @nn's values), or null where it has no such op. */
  peer: { inputs: () => tf.Tensor[]; run: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[] } | null;
  /** What the peer's cell says when it has no op, or about the op it runs. */
  peerNote?: string;
  /** Why TensorFlow.js's CPU backend is not timed, where one call is known to take far too long. */
  skipCpu?: string;
}

/** A TensorFlow.js tensor with @nn's values (float32 or int32). */
const onTf = (t: Tensor): tf.Tensor => tf.tensor(t.data() as Float32Array | Int32Array, [...t.shape], t.dtype === 'int32' ? 'int32' : 'float32');

/** Waits for every output of a TensorFlow.js call. */
function settle(out: tf.Tensor | tf.Tensor[]): void {
  for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
}

function workloads(): Workload[] {
  const rng = new Generator(13);
  const table = rand([1000, 128], { rng });
  const ids = randint(0, 1000, [32 * 64], { rng });
  const idsAsIndex = ids.reshape([2048, 1]).expand([2048, 128]); // what indexSelect's backward scatters through
  const upstream = rand([2048, 128], { rng });
  const tableWithGrad = table.detach();
  tableWithGrad.requiresGrad = true;
  const logits = rand([256, 1000], { rng });
  const positions = randint(0, 1000, [256, 1000], { rng });
  const rows = rand([32, 1000], { rng });
  const square = rand([512, 512], { rng });
  const lines = rand([64, 1000], { rng });
  const vector = rand([1_000_000], { rng });
  const vector64 = vector.cast('float64');
  return [
    {
      name: 'indexSelect [1000, 128] by 2048 ids (embedding lookup)',
      ours: () => indexSelect(table, 0, ids),
      peer: { inputs: () => [onTf(table), onTf(ids)], run: (w, i) => tf.gather(w!, i!) },
    },
    {
      name: 'scatterAdd [2048, 128] into [1000, 128], repeated ids (the lookup\'s gradient)',
      ours: () => scatterAdd(zeros([1000, 128]), 0, idsAsIndex, upstream),
      peer: { inputs: () => [onTf(upstream), onTf(ids.reshape([2048, 1]))], run: (g, i) => tf.scatterND(i!, g!, [1000, 128]) },
      peerNote: 'tf.scatterND, which sums repeats',
    },
    {
      name: 'indexSelect forward + backward (autograd), same shapes',
      ours: () => {
        indexSelect(tableWithGrad, 0, ids).backward(upstream);
        tableWithGrad.zeroGrad();
      },
      peer: { inputs: () => [onTf(table), onTf(ids), onTf(upstream)], run: (w, i, g) => tf.grad((x: tf.Tensor) => tf.gather(x, i!))(w!, g!) },
      peerNote: 'tf.grad of tf.gather',
      skipCpu: 'not run (28 s a call when tried)',
    },
    {
      name: 'gather [256, 1000] along axis 1 by a [256, 1000] index',
      ours: () => gather(logits, 1, positions),
      peer: { inputs: () => [onTf(logits), onTf(positions)], run: (x, i) => tf.gather(x!, i!, 1, 1) },
    },
    {
      name: 'cumsum [32, 1000] along axis 1',
      ours: () => cumsum(rows, 1),
      peer: { inputs: () => [onTf(rows)], run: (x) => tf.cumsum(x!, 1) },
    },
    {
      name: 'cumsum [32, 1000] along axis 0',
      ours: () => cumsum(rows, 0),
      peer: { inputs: () => [onTf(rows)], run: (x) => tf.cumsum(x!, 0) },
    },
    {
      name: 'argmax [256, 1000] along axis 1',
      ours: () => argmax(logits, 1),
      peer: { inputs: () => [onTf(logits)], run: (x) => tf.argMax(x!, 1) },
    },
    {
      name: 'tril [512, 512]',
      ours: () => tril(square),
      peer: { inputs: () => [onTf(square)], run: (x) => tf.linalg.bandPart(x!, -1, 0) },
      peerNote: 'tf.linalg.bandPart',
    },
    {
      name: 'sort [64, 1000] along axis 1 (values and indices)',
      ours: () => sort(lines),
      peer: { inputs: () => [onTf(lines)], run: (x) => { const { values, indices } = tf.topk(x!, 1000); return [values, indices]; } },
      peerNote: 'tf.topk, k = 1000',
    },
    {
      name: 'argsort [64, 1000] along axis 1',
      ours: () => argsort(lines),
      peer: null,
    },
    {
      name: 'sort of a 1e6 vector (values and indices)',
      ours: () => sort(vector),
      peer: { inputs: () => [onTf(vector)], run: (x) => { const { values, indices } = tf.topk(x!, 1_000_000); return [values, indices]; } },
      peerNote: 'tf.topk, k = 1e6',
    },
    {
      name: 'argsort of a 1e6 vector, float64',
      ours: () => argsort(vector64),
      peer: null,
      peerNote: 'no float64',
    },
  ];
}

/** Milliseconds per call of a workload on a TensorFlow.js backend, or why it was not timed. */
async function peerMillis(backend: 'cpu' | 'wasm', workload: Workload, minMillis: number): Promise<number | string> {
  if (workload.peer === null) return workload.peerNote ?? 'no such op';
  if (backend === 'cpu' && workload.skipCpu !== undefined) return workload.skipCpu;
  await useTfjs(backend);
  const { inputs, run } = workload.peer;
  const xs = inputs();
  try {
    tf.tidy(() => settle(run(...xs)));
  } catch (error) {
    const missing = /Kernel '(\w+)' not registered/.exec(String(error));
    if (missing === null) throw error;
    tf.dispose(xs);
    return `no kernel ${missing[1]}`;
  }
  try {
    const t0 = performance.now();
    tf.tidy(() => settle(run(...xs)));
    const once = performance.now() - t0;
    if (once > MAX_PEER_CALL_MS) return `not run (${(once / 1000).toFixed(1)} s a call)`;
    return medianMillis(() => tf.tidy(() => settle(run(...xs))), { minMillis, minRuns: 3, warmUp: 1 });
  } finally {
    tf.dispose(xs);
  }
}

/**
 * The rows of the index-ops table, header first: @nn (JS backend, one thread) and TensorFlow.js on
 * one thread, medians, and the ratios (above 1x: @nn is faster).
 */
export async function benchIndexOps(quick: boolean): Promise<string[][]> {
  const minMillis = quick ? 100 : 500;
  const rows = [['workload (float32 unless noted)', '@nn js, 1 thread', 'tfjs cpu, 1 thread', 'tfjs wasm, 1 thread', '@nn vs tfjs cpu', '@nn vs tfjs wasm']];
  const ms = (v: number): string => (v < 1 ? `${(v * 1000).toFixed(0)} us` : `${v.toFixed(2)} ms`);
  const all = workloads();
  // Ours first, all of them, before TensorFlow.js has started a backend in the process.
  const oursMillis = all.map((workload) => medianMillis(workload.ours, { minMillis, minRuns: 5 }));
  for (const [w, workload] of all.entries()) {
    const ours = oursMillis[w]!;
    const cpu = await peerMillis('cpu', workload, minMillis);
    const wasm = await peerMillis('wasm', workload, minMillis);
    const show = (peer: number | string): string => (typeof peer === 'string' ? peer : ms(peer));
    const ratio = (peer: number | string): string => (typeof peer === 'string' ? '' : `${(peer / ours).toFixed(2)}x`);
    const name = workload.peer !== null && workload.peerNote !== undefined ? `${workload.name} (tfjs: ${workload.peerNote})` : workload.name;
    rows.push([name, ms(ours), show(cpu), show(wasm), ratio(cpu), ratio(wasm)]);
  }
  return rows;
}
