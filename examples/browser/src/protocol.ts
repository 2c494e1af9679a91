/**
 * The messages between the page (main.ts) and the training worker (worker.ts). Pixels travel as
 * the dataset's rows: 64 numbers 0..1 (the 0..16 counts over 16), row-major 8x8.
 */

/** Page to worker. */
export type ToWorker =
  | { type: 'train'; epochs: number }
  | { type: 'classify'; id: number; pixels: number[] }
  | { type: 'saveWeights' }
  | { type: 'loadWeights'; bytes: Uint8Array };

/** The test set and what the current weights say about it. */
export interface TestPredictions {
  /** [N * 64] pixels 0..1. */
  images: Float32Array;
  labels: number[];
  predicted: number[];
  loss: number;
  accuracy: number;
}

/** Worker to page. */
export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'started'; trainImages: number; testImages: number; epochs: number }
  | { type: 'epoch'; epoch: number; epochs: number; seconds: number; loss: number; accuracy: number; valLoss: number; valAccuracy: number }
  | ({ type: 'trained'; seconds: number } & TestPredictions)
  | ({ type: 'reloaded' } & TestPredictions)
  | { type: 'probabilities'; id: number; probabilities: number[] }
  | { type: 'weights'; bytes: Uint8Array }
  | { type: 'error'; message: string };
