/**
 * TensorFlow.js as the benchmarks drive it: its CPU backend (plain JavaScript, one thread) and its
 * WASM backend (XNNPACK with SIMD), asked for one thread so that it is compared thread for thread
 * with @nn on one thread.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

// Read once, when the WASM backend first starts; it must be set before that.
setThreadsCount(1);

/** Makes `backend` TensorFlow.js's current backend and waits until it is ready. */
export async function useTfjs(backend: 'cpu' | 'wasm'): Promise<void> {
  await tf.setBackend(backend);
  await tf.ready();
}

/**
 * How many threads TensorFlow.js's WASM backend runs on, and why no more: it picks its threaded
 * build only where `WASM_HAS_MULTITHREAD_SUPPORT` holds, which TensorFlow.js sets to false in Node
 * (forced on, the build fails there: its workers are blob: URLs, which Node's Worker rejects).
 */
export async function tfjsWasmThreads(): Promise<{ threads: number; threadedBuild: boolean }> {
  await useTfjs('wasm');
  const threadedBuild = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  return { threads: getThreadsCount(), threadedBuild };
}
