/**
 * Checkpoints on bytes: everything a training run needs to continue exactly, in one safetensors
 * file. Tensors are tensors (the model's state dict under `model.` keys, each optimizer buffer under
 * `optimizer.state.<parameter>.<buffer>`); the rest is JSON in `__metadata__` (see CHECKPOINT_KEYS):
 * the optimizer's kind, parameter groups and step counts, the scheduler's state, the global random
 * generator's state, the epoch, the history and the user's `extra`. The file functions of
 * `@nn/io/node` (`saveCheckpoint`, `loadCheckpoint`) write and read these bytes atomically; these
 * work in a browser too.
 *
 * The optimizer and the scheduler are taken by their shape (`stateDict` / `loadStateDict`), so that
 * @nn/io needs no dependency on @nn/optim; any object with those methods is saved the same way.
 */
import { checkOptions, describeValue, globalGenerator, tensor, Tensor, type DType, type GeneratorState } from '@nn/autograd';
import { checkValue, parseValue, stringifyValue, type CheckpointValue } from './checkpoint-json.js';
import { decodeSafetensors } from './decode.js';
import { encodeSafetensors } from './encode.js';

/** What a checkpoint saves of a model: a Module of @nn/layers (its state dict). */
export interface CheckpointModel {
  stateDict(): Record<string, Tensor>;
  loadStateDict(dict: Record<string, Tensor>): unknown;
}

/** A parameter's optimizer state, as an @nn/optim optimizer's `stateDict()` holds it. */
export interface CheckpointParamState {
  step: number;
  buffers: Record<string, ArrayLike<number>>;
}

/** An optimizer's state dict, as @nn/optim's `Optimizer.stateDict()` returns it. */
export interface CheckpointOptimizerState {
  state: (CheckpointParamState | null)[];
  paramGroups: { params: number[]; options: Record<string, unknown> }[];
}

/** What a checkpoint saves of an optimizer: an @nn/optim Optimizer. */
export interface CheckpointOptimizer {
  /** The optimizer's kind ('Adam', 'SGD', ...): loading checks it. */
  readonly name: string;
  /** Its parameters by group, in the order `stateDict` numbers them (they give the buffers' dtypes). */
  readonly paramGroups: readonly { readonly params: readonly Tensor[] }[];
  stateDict(): CheckpointOptimizerState;
  loadStateDict(dict: CheckpointOptimizerState): void;
}

/** What a checkpoint saves of a learning-rate scheduler: its plain-data state dict. */
export interface CheckpointScheduler {
  stateDict(): object;
  loadStateDict(dict: never): void;
}

/** What `saveCheckpoint` / `encodeCheckpoint` save. */
export interface CheckpointContents {
  model: CheckpointModel;
  optimizer?: CheckpointOptimizer;
  scheduler?: CheckpointScheduler;
  /** The epoch just finished (0-based, as `fit` counts), or any counter of the run. */
  epoch?: number;
  /** The logs so far, e.g. `History.history` of @nn/train (`{ loss: [...], ... }`). */
  history?: Record<string, number[]>;
  /** Anything else of the run, as plain data (numbers, strings, booleans, null, arrays, plain objects). */
  extra?: Record<string, CheckpointValue>;
}

/** Where `loadCheckpoint` / `restoreCheckpoint` put a checkpoint's state back. */
export interface CheckpointTargets {
  model: CheckpointModel;
  optimizer?: CheckpointOptimizer;
  scheduler?: CheckpointScheduler;
  /** Restore the global random generator's state (default true), so that shuffling, dropout and
   * `randn` continue as in the run that saved. */
  restoreRng?: boolean;
}

/** What loading a checkpoint gives back besides restoring the model, optimizer and scheduler. */
export interface RestoredCheckpoint {
  /** The saved epoch, or null if none was saved. */
  epoch: number | null;
  /** The saved history (`{}` if none). */
  history: Record<string, number[]>;
  /** The saved `extra` (`{}` if none). */
  extra: Record<string, CheckpointValue>;
}

/** A checkpoint decoded from bytes, before anything is restored. */
export interface DecodedCheckpoint extends RestoredCheckpoint {
  /** The model's state dict. */
  model: Record<string, Tensor>;
  /** The optimizer's kind and state dict, or null if none was saved. */
  optimizer: { name: string; state: CheckpointOptimizerState } | null;
  /** The scheduler's kind and state dict, or null if none was saved. */
  scheduler: { name: string; state: CheckpointValue } | null;
  /** The global generator's state when the checkpoint was saved. */
  rng: GeneratorState;
}

/** The metadata keys of a checkpoint; `format` tells a checkpoint from a plain weights file. */
export const CHECKPOINT_FORMAT = 'nn-checkpoint-1';
const META_KEYS = ['format', 'epoch', 'history', 'extra', 'rng', 'optimizer', 'scheduler'] as const;
const MODEL_PREFIX = 'model.';
const OPTIMIZER_PREFIX = 'optimizer.state.';

/** The name of an object's kind: its `name` field when it has a string one (optimizers), else its class's. */
function kindOf(value: object): string {
  const name = (value as { name?: unknown }).name;
  return typeof name === 'string' ? name : value.constructor.name;
}

/** The metadata of the optimizer: its kind, groups and per-parameter step counts and buffer names. */
interface OptimizerMeta {
  name: string;
  paramGroups: CheckpointOptimizerState['paramGroups'];
  state: ({ step: number; buffers: string[] } | null)[];
}

/**
 * A checkpoint as the bytes of a safetensors file (see the module's header). Everything is checked
 * before anything is written: a non-finite epoch, `extra` that is not plain data, a model without
 * `stateDict`, each an Error naming `encodeCheckpoint` and what is wrong.
 */
export function encodeCheckpoint(contents: CheckpointContents, owner = 'encodeCheckpoint'): Uint8Array {
  if (contents === null || typeof contents !== 'object') throw new Error(`${owner}: expected { model, optimizer?, scheduler?, epoch?, history?, extra? }, got ${describeValue(contents)}`);
  checkOptions(owner, contents, ['model', 'optimizer', 'scheduler', 'epoch', 'history', 'extra']);
  const { model, optimizer, scheduler, epoch, history = {}, extra = {} } = contents;
  if (model === null || typeof model !== 'object' || typeof model.stateDict !== 'function') {
    throw new Error(`${owner}: model must be a Module (with stateDict), got ${describeValue(model)}`);
  }
  if (epoch !== undefined && !Number.isSafeInteger(epoch)) throw new Error(`${owner}: epoch must be an integer, got ${describeValue(epoch)}`);
  checkValue(owner, history, 'history');
  checkValue(owner, extra, 'extra');
  const tensors: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(model.stateDict())) tensors[MODEL_PREFIX + key] = t;
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    epoch: stringifyValue(epoch ?? null),
    history: stringifyValue(history),
    extra: stringifyValue(extra),
    rng: stringifyValue(globalGenerator.getState()),
  };
  if (optimizer !== undefined) {
    if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.stateDict !== 'function' || !Array.isArray(optimizer.paramGroups)) {
      throw new Error(`${owner}: optimizer must be an Optimizer (with stateDict and paramGroups), got ${describeValue(optimizer)}`);
    }
    const params = optimizer.paramGroups.flatMap((group) => group.params);
    const dict = optimizer.stateDict();
    const meta: OptimizerMeta = { name: kindOf(optimizer), paramGroups: dict.paramGroups, state: [] };
    dict.state.forEach((entry, i) => {
      if (entry === null) {
        meta.state.push(null);
        return;
      }
      const names = Object.keys(entry.buffers);
      meta.state.push({ step: entry.step, buffers: names });
      // Buffers are saved in their parameter's dtype, which holds their values exactly.
      const dtype: DType = params[i]?.dtype ?? 'float64';
      for (const name of names) tensors[`${OPTIMIZER_PREFIX}${i}.${name}`] = tensor(Float64Array.from(entry.buffers[name]!), { dtype });
    });
    checkValue(owner, meta, 'optimizer');
    metadata.optimizer = stringifyValue(meta);
  }
  if (scheduler !== undefined) {
    if (scheduler === null || typeof scheduler !== 'object' || typeof scheduler.stateDict !== 'function') {
      throw new Error(`${owner}: scheduler must be a learning-rate scheduler (with stateDict), got ${describeValue(scheduler)}`);
    }
    const state = scheduler.stateDict();
    checkValue(owner, state, 'scheduler');
    metadata.scheduler = stringifyValue({ name: kindOf(scheduler), state });
  }
  return encodeSafetensors(tensors, metadata);
}

/**
 * Decodes the bytes of a checkpoint (see `encodeCheckpoint`) without restoring anything. A file
 * that is not safetensors, not a checkpoint (no `format` of this version), or whose metadata or
 * optimizer tensors are missing or malformed is an Error naming `owner` and what is wrong.
 */
export function decodeCheckpoint(bytes: Uint8Array, owner = 'decodeCheckpoint'): DecodedCheckpoint {
  const fail = (message: string): never => {
    throw new Error(`${owner}: ${message}`);
  };
  let file: ReturnType<typeof decodeSafetensors>;
  try {
    file = decodeSafetensors(bytes);
  } catch (error) {
    throw new Error(`${owner}: ${(error as Error).message}`, { cause: error });
  }
  const { tensors, metadata } = file;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    fail(`not a checkpoint: the metadata's format is ${describeValue(metadata.format)}, expected '${CHECKPOINT_FORMAT}' (a weights file is read with decodeSafetensors)`);
  }
  const unknown = Object.keys(metadata).filter((key) => !(META_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) fail(`unknown metadata keys ${unknown.map((k) => `'${k}'`).join(', ')}`);
  const field = (key: (typeof META_KEYS)[number]): unknown => {
    const text = metadata[key];
    if (text === undefined) return undefined;
    try {
      return parseValue(text);
    } catch (error) {
      return fail(`metadata '${key}' is not valid JSON (${(error as Error).message})`);
    }
  };
  const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

  const epoch = field('epoch') ?? null;
  if (epoch !== null && !Number.isSafeInteger(epoch)) fail(`metadata 'epoch' must be an integer or null, got ${describeValue(epoch)}`);
  const history = field('history') ?? {};
  if (!isRecord(history) || !Object.values(history).every((v) => Array.isArray(v) && v.every((x) => typeof x === 'number'))) {
    fail(`metadata 'history' must map names to arrays of numbers, got ${describeValue(history)}`);
  }
  const extra = field('extra') ?? {};
  if (!isRecord(extra)) fail(`metadata 'extra' must be an object, got ${describeValue(extra)}`);
  const rng = field('rng');
  if (rng === undefined) fail("the metadata has no 'rng' (the random generator's state)");

  const model: Record<string, Tensor> = {};
  const optimizerTensors = new Map<string, Tensor>();
  for (const [key, t] of Object.entries(tensors)) {
    if (key.startsWith(MODEL_PREFIX)) model[key.slice(MODEL_PREFIX.length)] = t;
    else if (key.startsWith(OPTIMIZER_PREFIX)) optimizerTensors.set(key, t);
    else fail(`tensor '${key}' is neither a model tensor ('${MODEL_PREFIX}...') nor an optimizer buffer ('${OPTIMIZER_PREFIX}...')`);
  }

  let optimizer: DecodedCheckpoint['optimizer'] = null;
  const optimizerMeta = field('optimizer');
  if (optimizerMeta !== undefined) {
    const meta = optimizerMeta as Partial<OptimizerMeta>;
    if (!isRecord(meta) || typeof meta.name !== 'string' || !Array.isArray(meta.paramGroups) || !Array.isArray(meta.state)) {
      return fail(`metadata 'optimizer' must be { name, paramGroups, state }, got ${describeValue(optimizerMeta)}`);
    }
    const state = meta.state.map((entry, i): CheckpointParamState | null => {
      if (entry === null) return null;
      if (!isRecord(entry) || !Array.isArray(entry.buffers) || typeof entry.step !== 'number') {
        return fail(`metadata 'optimizer': the state of parameter ${i} must be null or { step, buffers }, got ${describeValue(entry)}`);
      }
      const buffers: Record<string, ArrayLike<number>> = {};
      for (const name of entry.buffers as unknown[]) {
        const key = `${OPTIMIZER_PREFIX}${i}.${String(name)}`;
        const t = optimizerTensors.get(key);
        if (t === undefined) return fail(`the optimizer buffer '${key}' is listed in the metadata but is not in the file`);
        optimizerTensors.delete(key);
        // @nn/optim's loadStateDict takes arrays of numbers, as its stateDict gives them.
        buffers[String(name)] = Array.from(t.data());
      }
      return { step: entry.step, buffers };
    });
    const left = [...optimizerTensors.keys()];
    if (left.length > 0) fail(`tensor '${left[0]}' is an optimizer buffer that the metadata does not list`);
    optimizer = { name: meta.name, state: { state, paramGroups: meta.paramGroups } };
  } else if (optimizerTensors.size > 0) {
    fail(`tensor '${[...optimizerTensors.keys()][0]}' is an optimizer buffer, but the metadata has no 'optimizer'`);
  }

  let scheduler: DecodedCheckpoint['scheduler'] = null;
  const schedulerMeta = field('scheduler');
  if (schedulerMeta !== undefined) {
    if (!isRecord(schedulerMeta) || typeof schedulerMeta.name !== 'string' || !('state' in schedulerMeta)) {
      fail(`metadata 'scheduler' must be { name, state }, got ${describeValue(schedulerMeta)}`);
    }
    const s = schedulerMeta as { name: string; state: CheckpointValue };
    scheduler = { name: s.name, state: s.state };
  }
  return {
    model,
    optimizer,
    scheduler,
    rng: rng as GeneratorState,
    epoch: epoch as number | null,
    history: history as Record<string, number[]>,
    extra: extra as Record<string, CheckpointValue>,
  };
}

/**
 * Puts a decoded checkpoint's state back into the model, the optimizer, the scheduler and the
 * global random generator. Whatever can be checked first is (the kinds of optimizer and scheduler,
 * that each was saved); if loading one of them still fails (a model of another architecture, an
 * optimizer over other parameters), those already restored are put back as they were, and the
 * Error names `owner`, the part, and what differs.
 */
export function restoreCheckpoint(decoded: DecodedCheckpoint, targets: CheckpointTargets, owner = 'restoreCheckpoint'): RestoredCheckpoint {
  if (targets === null || typeof targets !== 'object') throw new Error(`${owner}: expected { model, optimizer?, scheduler? }, got ${describeValue(targets)}`);
  checkOptions(owner, targets, ['model', 'optimizer', 'scheduler', 'restoreRng']);
  const { model, optimizer, scheduler, restoreRng = true } = targets;
  if (model === null || typeof model !== 'object' || typeof model.loadStateDict !== 'function') {
    throw new Error(`${owner}: model must be a Module (with loadStateDict), got ${describeValue(model)}`);
  }
  if (optimizer !== undefined) {
    if (decoded.optimizer === null) throw new Error(`${owner}: the checkpoint holds no optimizer state, but an optimizer (${kindOf(optimizer)}) was given to restore`);
    if (decoded.optimizer.name !== kindOf(optimizer)) {
      throw new Error(`${owner}: the checkpoint holds the state of a ${decoded.optimizer.name} optimizer; it cannot be loaded into a ${kindOf(optimizer)}`);
    }
  }
  if (scheduler !== undefined) {
    if (decoded.scheduler === null) throw new Error(`${owner}: the checkpoint holds no scheduler state, but a scheduler (${kindOf(scheduler)}) was given to restore`);
    if (decoded.scheduler.name !== kindOf(scheduler)) {
      throw new Error(`${owner}: the checkpoint holds the state of a ${decoded.scheduler.name} scheduler; it cannot be loaded into a ${kindOf(scheduler)}`);
    }
  }
  const undo: (() => void)[] = [];
  const step = (part: string, load: () => void, snapshot: () => () => void): void => {
    const restore = snapshot();
    try {
      load();
    } catch (error) {
      for (const u of undo.reverse()) u();
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${owner}: the ${part} does not match the checkpoint's: ${message}`, { cause: error });
    }
    undo.push(restore);
  };
  step(
    'model',
    () => model.loadStateDict(decoded.model),
    () => {
      const before = model.stateDict();
      return () => model.loadStateDict(before);
    },
  );
  if (optimizer !== undefined) {
    step(
      'optimizer',
      () => optimizer.loadStateDict(decoded.optimizer!.state),
      () => {
        const before = optimizer.stateDict();
        return () => optimizer.loadStateDict(before);
      },
    );
  }
  if (scheduler !== undefined) {
    step(
      'scheduler',
      () => scheduler.loadStateDict(decoded.scheduler!.state as never),
      () => {
        const before = scheduler.stateDict();
        return () => scheduler.loadStateDict(before as never);
      },
    );
  }
  if (restoreRng) {
    try {
      globalGenerator.setState(decoded.rng);
    } catch (error) {
      for (const u of undo.reverse()) u();
      throw new Error(`${owner}: the checkpoint's random generator state is malformed: ${(error as Error).message}`, { cause: error });
    }
  }
  return { epoch: decoded.epoch, history: decoded.history, extra: decoded.extra };
}
