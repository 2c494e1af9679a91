/**
 * What `model.save` / `model.toBytes` keep of `compile`, and how the path versions reach the file
 * system. A model file is an @nn/io checkpoint (one safetensors file: the weights and the optimizer's
 * state as tensors); the compile settings that are plain data (the optimizer's name, the loss's name
 * and `fromLogits`, the metrics' names) go in its `extra` under `compile`. The optimizer's options
 * (lr, betas, ...) need no entry of their own: they are in the optimizer's state dict.
 *
 * @nn/train's main entry runs in browsers, so it does not import Node's file system: `save(path)`
 * and `load(path)` import `@nn/io/node` when they are called (by a specifier the bundlers do not
 * follow), and in a browser they say to use `toBytes` / `fromBytes` instead.
 */
import { describeValue } from '@nn/autograd';
import type { CheckpointValue } from '@nn/io';
import type { Optimizer } from '@nn/optim';
import { LOSS_NAMES, type LossName, type LossSpec } from './keras-losses.js';
import { METRIC_NAMES, type MetricName } from './metrics.js';

/** The optimizer names of `compile`, by the kind (`Optimizer.name`) of the optimizer they build. */
export const OPTIMIZER_BY_KIND: Readonly<Record<string, 'sgd' | 'adam' | 'rmsprop' | 'adamw' | 'adagrad'>> = {
  SGD: 'sgd',
  Adam: 'adam',
  RMSprop: 'rmsprop',
  AdamW: 'adamw',
  Adagrad: 'adagrad',
};

/** The compile settings a model file holds; null where the setting was not plain data. */
export interface SavedCompile {
  /** The name `compile` builds the optimizer by (its options come from the saved state), or null for an optimizer of another kind. */
  optimizer: string | null;
  /** The loss by name, or null for a loss function. */
  loss: { name: LossName; fromLogits: boolean } | null;
  metrics: MetricName[];
}

/** The plain-data part of `compile`'s settings. */
export function savedCompile(optimizer: Optimizer, loss: LossSpec | null, metrics: readonly MetricName[]): SavedCompile {
  return {
    optimizer: OPTIMIZER_BY_KIND[optimizer.name] ?? null,
    loss: loss === null ? null : { name: loss.name, fromLogits: loss.fromLogits ?? false },
    metrics: [...metrics],
  };
}

/** The compile settings of a model file's `extra`, checked; null for a model saved before `compile`. */
export function readSavedCompile(owner: string, extra: Record<string, CheckpointValue>): SavedCompile | null {
  const value = extra.compile;
  const fail = (what: string): never => {
    throw new Error(`${owner}: the file's compile settings ${what}, got ${describeValue(value)}`);
  };
  if (value === undefined) return fail('are missing (it is a checkpoint of @nn/io, not a model file of @nn/train)');
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return fail('must be an object');
  const { optimizer, loss, metrics } = value as Record<string, CheckpointValue>;
  if (optimizer !== null && (typeof optimizer !== 'string' || !Object.values(OPTIMIZER_BY_KIND).includes(optimizer as never))) fail('name an unknown optimizer');
  let savedLoss: SavedCompile['loss'] = null;
  if (loss !== null) {
    const spec = loss as { name?: unknown; fromLogits?: unknown } | undefined;
    if (spec === undefined || typeof spec !== 'object' || !LOSS_NAMES.includes(spec.name as LossName) || typeof spec.fromLogits !== 'boolean') fail('name an unknown loss');
    savedLoss = { name: spec!.name as LossName, fromLogits: spec!.fromLogits as boolean };
  }
  if (!Array.isArray(metrics) || !metrics.every((m) => METRIC_NAMES.includes(m as MetricName))) fail('name unknown metrics');
  return { optimizer: optimizer as string | null, loss: savedLoss, metrics: metrics as MetricName[] };
}

/** What `save` and `load` need of Node: @nn/io's atomic write and a file read. */
export interface NodeFiles {
  writeFileAtomic(path: string, bytes: Uint8Array): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
}

// Specifiers in variables: bundlers for the browser leave these imports alone rather than pull Node's fs in.
const IO_NODE = '@nn/io/node';
const FS_PROMISES = 'node:fs/promises';

/** The file functions, imported on first use; in a browser an Error naming `owner` and the bytes version to use `instead`. */
export async function nodeFiles(owner: string, instead: string): Promise<NodeFiles> {
  const processLike = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (processLike?.versions?.node === undefined) throw new Error(`${owner}: files need Node's file system; in a browser use ${instead}`);
  const io = (await import(IO_NODE)) as typeof import('@nn/io/node');
  const fs = (await import(FS_PROMISES)) as { readFile(path: string): Promise<Uint8Array> };
  return { writeFileAtomic: io.writeFileAtomic, readFile: fs.readFile };
}
