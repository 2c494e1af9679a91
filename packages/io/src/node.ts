/**
 * @nn/io/node: safetensors files and checkpoints on disk, with Node's file system. The main entry
 * stays browser-safe.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { checkOptions, describeValue, type Tensor } from '@nn/autograd';
import { writeFileAtomic } from './atomic-write.js';

export { writeFileAtomic };
import { decodeCheckpoint, encodeCheckpoint, restoreCheckpoint, type CheckpointContents, type CheckpointTargets, type RestoredCheckpoint } from './checkpoint.js';
import { decodeSafetensors, type DecodedSafetensors, type DecodeOptions } from './decode.js';
import { encodeSafetensors } from './encode.js';

/** Writes `tensors` (and string `metadata`) to the safetensors file `path` (see `encodeSafetensors`). */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  await writeFile(path, encodeSafetensors(tensors, metadata));
}

/**
 * Reads the safetensors file `path` (see `decodeSafetensors`): the file is read once, and aligned
 * tensors are views of its bytes. A file that is not valid safetensors is an error naming the file,
 * then the tensor and what is wrong.
 */
export async function loadSafetensors(path: string, opts: DecodeOptions = {}): Promise<DecodedSafetensors> {
  checkOptions('loadSafetensors', opts, ['dtype']);
  const bytes = await readFile(path);
  try {
    return decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts);
  } catch (error) {
    // The decoder's message names the tensor and what is wrong; say which file it was.
    if (error instanceof Error) throw new Error(`loadSafetensors: ${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * Saves a training run's state to the checkpoint file `path`: the model's weights and buffers, the
 * optimizer's state (its parameter groups, step counts and buffers such as Adam's moments), the
 * scheduler's state, the global random generator's state (shuffling, dropout), the epoch, the
 * history and `extra` (see `encodeCheckpoint` for the layout: one safetensors file, which
 * `safetensors.torch.load_file` also reads).
 *
 * The write is atomic: a temporary file in the same directory, flushed to disk, renamed over `path`,
 * then the directory flushed. A crash at any moment leaves the previous checkpoint or the new one.
 *
 * ```ts
 * await saveCheckpoint('run.ckpt.safetensors', { model: net, optimizer, epoch, history: history.history });
 * ```
 */
export async function saveCheckpoint(path: string, contents: CheckpointContents): Promise<void> {
  checkPath('saveCheckpoint', path);
  const bytes = encodeCheckpoint(contents, 'saveCheckpoint');
  try {
    await writeFileAtomic(path, bytes);
  } catch (error) {
    throw new Error(`saveCheckpoint: ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Restores a checkpoint that `saveCheckpoint` wrote into `model` and, when given, `optimizer` and
 * `scheduler` (of the kinds that were saved), and the global random generator (unless
 * `restoreRng: false`); returns the saved epoch, history and extra. Training continued from there
 * gives the same numbers as a run that never stopped.
 *
 * A truncated or damaged file, a checkpoint of another architecture (missing or unexpected keys,
 * other shapes), an optimizer or scheduler of another kind: each is an Error naming the file and what
 * is wrong, and nothing is left half-restored.
 *
 * ```ts
 * const { epoch } = await loadCheckpoint('run.ckpt.safetensors', { model: net, optimizer });
 * ```
 */
export async function loadCheckpoint(path: string, targets: CheckpointTargets): Promise<RestoredCheckpoint> {
  checkPath('loadCheckpoint', path);
  const bytes = await readFile(path);
  try {
    const decoded = decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), 'decodeCheckpoint');
    return restoreCheckpoint(decoded, targets, 'restoreCheckpoint');
  } catch (error) {
    if (error instanceof Error) throw new Error(`loadCheckpoint: ${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

function checkPath(owner: string, path: unknown): void {
  if (typeof path !== 'string' || path === '') throw new Error(`${owner}: path must be a non-empty string, got ${describeValue(path)}`);
}
