/**
 * The table `npm run bench` prints: for each workload, @nn's figure in each configuration, the
 * peers' (TensorFlow.js on one thread) and the ratios, thread for thread: @nn's best figure on one
 * thread against each peer. @nn on more threads is shown beside them, without a ratio, since no peer
 * runs on more than one thread in Node.
 */

/** A configuration @nn runs a workload in: its kernels and the threads products may use. */
export interface Configuration {
  readonly label: string;
  readonly backend: 'js' | 'wasm';
  readonly threads: number;
}

/** Plain JS kernels; WebAssembly SIMD kernels on one thread; and on every core (`setNumThreads`). */
export function configurationsFor(cores: number): Configuration[] {
  return [
    { label: '@nn js, 1 thread', backend: 'js', threads: 1 },
    { label: '@nn wasm, 1 thread', backend: 'wasm', threads: 1 },
    ...(cores > 1 ? [{ label: `@nn wasm, ${cores} threads`, backend: 'wasm' as const, threads: cores }] : []),
  ];
}

/** A measured figure: the number the ratios compare, and how it is shown. */
export interface Figure {
  readonly value: number;
  readonly text: string;
}

/** A peer's figure, or the reason it has none ('no float64', 'not run', or '' where it has no such workload). */
export type PeerFigure = Figure | string;

export function headerRow(configurations: readonly Configuration[]): string[] {
  return ['workload', ...configurations.map((c) => c.label), 'tfjs cpu, 1 thread', 'tfjs wasm, 1 thread', '@nn 1 thread vs tfjs cpu', '@nn 1 thread vs tfjs wasm'];
}

/**
 * One row. `figures` has one entry per configuration: null where the workload reaches no kernel that
 * differs from js (it is then shown as 'same as js'). `higherIsBetter` says which way is faster
 * (GFLOPS against milliseconds).
 */
export function resultRow(
  workload: string,
  configurations: readonly Configuration[],
  figures: readonly (Figure | null)[],
  peers: { cpu: PeerFigure; wasm: PeerFigure },
  higherIsBetter: boolean,
): string[] {
  const oneThread = figures.filter((f, i): f is Figure => f !== null && configurations[i]!.threads === 1).map((f) => f.value);
  const best = higherIsBetter ? Math.max(...oneThread) : Math.min(...oneThread);
  const ratio = (peer: PeerFigure): string =>
    typeof peer === 'string' ? '' : `${(higherIsBetter ? best / peer.value : peer.value / best).toFixed(2)}x`;
  const show = (f: Figure | string | null): string => (f === null ? 'same as js' : typeof f === 'string' ? f : f.text);
  return [workload, ...figures.map(show), show(peers.cpu), show(peers.wasm), ratio(peers.cpu), ratio(peers.wasm)];
}
