/**
 * Recurrent layers RNN, LSTM, GRU and their one-step cells, with PyTorch's equations, gate order
 * (LSTM i, f, g, o; GRU r, z, n), parameter names, shapes and init, so PyTorch state dicts load.
 *
 * Speed: the input projection x W_ih^T + b_ih of every time step is one matmul over [T*N, input]
 * before the time loop. An LSTM direction then runs as one op over the whole sequence
 * (./lstm-sequence.ts: per step one h W_hh^T matmul and one fused gate loop, and a backward rule of
 * its own), and so does a GRU direction (./gru-sequence.ts); RNN steps cost one h W_hh^T matmul plus
 * the activation of a [N, H] tensor.
 */
import { checkGenerator, checkOptions, getDefaultDtype, split, stack, concat, tensor, zeros as zerosOf, type DType, type Generator, type Tensor } from '@nn/autograd';
import { Module, parameter } from './module.js';
import { uniformValues } from './initializers.js';
import { dropout } from './dropout.js';
import { lstmSequence } from './lstm-sequence.js';
import { gruSequence } from './gru-sequence.js';
import { rnnSequence } from './rnn-sequence.js';
import { expectBoolean, expectInteger, expectNumber, expectTensor, formatShape } from './util.js';

type Kind = 'RNN' | 'LSTM' | 'GRU';
const GATES: Record<Kind, number> = { RNN: 1, LSTM: 4, GRU: 3 };

/** Options of RNN, LSTM and GRU (PyTorch's, camelCased). */
export interface RecurrentOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** RNN only: 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
  /** Whether the layers have b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [N, T, features] instead of [T, N, features] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time, concatenating both directions' features (default false). */
  bidirectional?: boolean;
  /** The dtype of the parameters (default: the default dtype). */
  dtype?: DType;
  /** The generator the init and the dropout masks draw from (default: the global one). */
  rng?: Generator;
}

/** Options of the cells. */
export interface CellOptions {
  /** Whether the cell has b_ih and b_hh (default true). */
  bias?: boolean;
  /** RNNCell only: 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
  dtype?: DType;
  rng?: Generator;
}

/** One step's parameters: b_ih is folded into the precomputed input projection. */
interface StepWeights {
  weightHh: Tensor;
  biasHh: Tensor | null;
}

/**
 * One time step given the input projection `xp` = x W_ih^T + b_ih ([N, gates*H]) and the state.
 * PyTorch's equations (torch.nn.RNN / LSTM / GRU docs); LSTM and GRU run their sequence ops on one step.
 */
function step(kind: Kind, relu: boolean, xp: Tensor, h: Tensor, c: Tensor | null, w: StepWeights): { h: Tensor; c: Tensor | null } {
  if (kind === 'LSTM') {
    const [batch, width] = xp.shape as [number, number];
    const y = lstmDirection(w.biasHh === null ? xp : xp.add(w.biasHh), w.weightHh, h, c!, false, 1, batch, width / 4);
    return { h: y.h, c: y.c };
  }
  if (kind === 'GRU') {
    const [batch, width] = xp.shape as [number, number];
    return { h: gruDirection(xp, w.weightHh, w.biasHh, h, false, 1, batch, width / 3).h, c: null };
  }
  const [batch, hidden] = xp.shape as [number, number];
  return { h: rnnDirection(xp, w.weightHh, w.biasHh, h, false, relu, 1, batch, hidden).h, c: null };
}

/** The dtype the inputs of a fused op promote to, and a cast to it. */
function promoted(tensors: readonly Tensor[]): (t: Tensor) => Tensor {
  const dtype = tensors.some((t) => t.dtype === 'float64') ? 'float64' : tensors[0]!.dtype;
  return (t) => (t.dtype === dtype ? t : t.cast(dtype));
}

/** A view of step t of plane `plane` of a fused op's [planes, T, N, H] output, as [N, H]. */
function stepView(y: Tensor, plane: number, t: number): Tensor {
  const [, , batch, hidden] = y.shape as [number, number, number, number];
  return y.slice([plane, t, 0, 0], [plane + 1, t + 1, batch, hidden]).reshape([batch, hidden]);
}

/** Plane 0 (the states after each step) of a fused op's output, as [T, N, H]. */
function statesView(y: Tensor): Tensor {
  const [, steps, batch, hidden] = y.shape as [number, number, number, number];
  return y.slice([0, 0, 0, 0], [1, steps, batch, hidden]).reshape([steps, batch, hidden]);
}

/**
 * An RNN direction over the sequence (one op, ./rnn-sequence.ts) from `xp` = x W_ih^T + b_ih
 * ([T * N, H] or [N, H] for one step): the output sequence [T, N, H] and the final h.
 */
function rnnDirection(xp: Tensor, weightHh: Tensor, biasHh: Tensor | null, h0: Tensor, reverse: boolean, relu: boolean, steps: number, batch: number, hidden: number): { output: Tensor; h: Tensor } {
  const bias = biasHh ?? zerosOf([hidden], { dtype: weightHh.dtype });
  const same = promoted([xp, weightHh, bias, h0]);
  const y = rnnSequence(same(xp).reshape([steps, batch, hidden]), same(weightHh), same(bias), same(h0), reverse, relu);
  return { output: statesView(y), h: stepView(y, 0, reverse ? 0 : steps - 1) };
}

/**
 * A GRU direction over the sequence (one op, ./gru-sequence.ts) from `xp` = x W_ih^T + b_ih
 * ([T * N, 3H] or [N, 3H] for one step): the output sequence [T, N, H] and the final h.
 */
function gruDirection(xp: Tensor, weightHh: Tensor, biasHh: Tensor | null, h0: Tensor, reverse: boolean, steps: number, batch: number, hidden: number): { output: Tensor; h: Tensor } {
  const bias = biasHh ?? zerosOf([3 * hidden], { dtype: weightHh.dtype });
  const same = promoted([xp, weightHh, bias, h0]);
  const y = gruSequence(same(xp).reshape([steps, batch, 3 * hidden]), same(weightHh), same(bias), same(h0), reverse);
  return { output: statesView(y), h: stepView(y, 0, reverse ? 0 : steps - 1) };
}

/**
 * An LSTM direction over the sequence (one op, ./lstm-sequence.ts) from `xp` = x W_ih^T + b_ih + b_hh
 * ([T * N, 4H] or [N, 4H] for one step): the output sequence [T, N, H] and the final h and c.
 */
function lstmDirection(xp: Tensor, weightHh: Tensor, h0: Tensor, c0: Tensor, reverse: boolean, steps: number, batch: number, hidden: number): { output: Tensor; h: Tensor; c: Tensor } {
  const same = promoted([xp, weightHh, h0, c0]);
  const y = lstmSequence(same(xp).reshape([steps, batch, 4 * hidden]), same(weightHh), same(h0), same(c0), reverse);
  const last = reverse ? 0 : steps - 1;
  return { output: statesView(y), h: stepView(y, 0, last), c: stepView(y, 1, last) };
}

function initParameter(shape: number[], bound: number, dtype: DType, rng: Generator | undefined): Tensor {
  return parameter(tensor(uniformValues(shape, bound, rng), { shape, dtype }));
}

function checkNonlinearity(value: unknown, label: string): boolean {
  if (value !== 'tanh' && value !== 'relu') throw new Error(`${label}: option nonlinearity must be 'tanh' or 'relu', got ${String(value)}`);
  return value === 'relu';
}

/** The shared machinery of RNN, LSTM and GRU. */
abstract class RecurrentBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  protected readonly relu: boolean;
  protected readonly rng: Generator | undefined;
  protected abstract readonly kind: Kind;

  constructor(kind: Kind, inputSize: number, hiddenSize: number, options: RecurrentOptions) {
    super();
    const allowed = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype', 'rng'];
    checkOptions(kind, options, kind === 'RNN' ? [...allowed, 'nonlinearity'] : allowed);
    this.inputSize = expectInteger(inputSize, `${kind}: inputSize`, 1);
    this.hiddenSize = expectInteger(hiddenSize, `${kind}: hiddenSize`, 1);
    this.numLayers = expectInteger(options.numLayers ?? 1, `${kind}: option numLayers`, 1);
    this.bias = expectBoolean(options.bias ?? true, `${kind}: option bias`);
    this.batchFirst = expectBoolean(options.batchFirst ?? false, `${kind}: option batchFirst`);
    this.dropout = expectNumber(options.dropout ?? 0, `${kind}: option dropout`, (v) => v >= 0 && v < 1, 'a probability in [0, 1)');
    this.bidirectional = expectBoolean(options.bidirectional ?? false, `${kind}: option bidirectional`);
    this.relu = kind === 'RNN' ? checkNonlinearity(options.nonlinearity ?? 'tanh', kind) : false;
    this.rng = checkGenerator(kind, options.rng);
    const dtype = options.dtype ?? getDefaultDtype();
    const bound = 1 / Math.sqrt(hiddenSize);
    const g = GATES[kind] * hiddenSize;
    const fields = this as unknown as Record<string, unknown>;
    // PyTorch's order: per layer, per direction, weight_ih, weight_hh, bias_ih, bias_hh.
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inSize = layer === 0 ? inputSize : hiddenSize * this.directions;
      for (const suffix of this.suffixes(layer)) {
        fields[`weight_ih${suffix}`] = initParameter([g, inSize], bound, dtype, this.rng);
        fields[`weight_hh${suffix}`] = initParameter([g, hiddenSize], bound, dtype, this.rng);
        if (this.bias) {
          fields[`bias_ih${suffix}`] = initParameter([g], bound, dtype, this.rng);
          fields[`bias_hh${suffix}`] = initParameter([g], bound, dtype, this.rng);
        }
      }
    }
  }

  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  private suffixes(layer: number): string[] {
    return this.bidirectional ? [`_l${layer}`, `_l${layer}_reverse`] : [`_l${layer}`];
  }

  /** `LSTM(3 -> 4)`: how errors name this layer. */
  get label(): string {
    return `${this.kind}(${this.inputSize} -> ${this.hiddenSize})`;
  }

  private param(name: string): Tensor | null {
    return ((this as unknown as Record<string, unknown>)[name] as Tensor | undefined) ?? null;
  }

  /** Checks a state tensor (h0 or c0) against [L*D, N, H] (or [L*D, H] unbatched). */
  private checkState(t: Tensor, name: string, batch: number, unbatched: boolean): Tensor {
    expectTensor(t, `${this.label}: ${name}`);
    const expected = unbatched ? [this.numLayers * this.directions, this.hiddenSize] : [this.numLayers * this.directions, batch, this.hiddenSize];
    if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
      throw new Error(`${this.label}: ${name} must have shape ${formatShape(expected)} (numLayers * directions, ${unbatched ? '' : 'batch, '}hiddenSize), got ${formatShape(t.shape)}`);
    }
    return unbatched ? t.reshape([expected[0]!, 1, this.hiddenSize]) : t;
  }

  /** Runs all layers; `h0` and `c0` are [L*D, N, H] or null for zeros. */
  /** The output sequence only, so that the layer sits in a Sequential; `run` also gives the final states. */
  override forward(x: Tensor): Tensor {
    return this.runAll(x, undefined, undefined).output;
  }

  protected runAll(x: Tensor, h0: Tensor | undefined, c0: Tensor | undefined): { output: Tensor; h: Tensor; c: Tensor | null } {
    expectTensor(x, `${this.label}: input`);
    if (x.ndim !== 2 && x.ndim !== 3) {
      throw new Error(`${this.label}: expected a 3-D input ${this.batchFirst ? '[batch, time, features]' : '[time, batch, features]'} or a 2-D unbatched one [time, features], got shape ${formatShape(x.shape)}`);
    }
    if (x.shape[x.ndim - 1] !== this.inputSize) {
      throw new Error(`${this.label}: expected input with ${this.inputSize} features (last axis), got shape ${formatShape(x.shape)}`);
    }
    const unbatched = x.ndim === 2;
    // Time-major [T, N, I] inside.
    let seq = unbatched ? x.reshape([x.shape[0]!, 1, this.inputSize]) : this.batchFirst ? x.transpose(0, 1) : x;
    const [steps, batch] = seq.shape as [number, number, number];
    if (steps === 0) throw new Error(`${this.label}: the input has no time steps (shape ${formatShape(x.shape)})`);
    const hStart = h0 === undefined ? null : this.checkState(h0, this.kind === 'LSTM' ? 'state.h' : 'h0', batch, unbatched);
    const cStart = c0 === undefined ? null : this.checkState(c0, 'state.c', batch, unbatched);
    const zeros = tensor(new Float64Array(batch * this.hiddenSize), { shape: [batch, this.hiddenSize], dtype: this.weight(0).dtype });
    const hFinal: Tensor[] = [];
    const cFinal: Tensor[] = [];
    const hStates = hStart === null ? null : split(hStart, 1, 0);
    const cStates = cStart === null ? null : split(cStart, 1, 0);
    for (let layer = 0; layer < this.numLayers; layer++) {
      if (layer > 0 && this.training && this.dropout > 0) {
        seq = dropout(seq, this.dropout, this.rng);
      }
      const features = seq.shape[2]!;
      const outputs: Tensor[] = [];
      this.suffixes(layer).forEach((suffix, direction) => {
        const index = layer * this.directions + direction;
        let xp = seq.reshape([steps * batch, features]).matmul(this.param(`weight_ih${suffix}`)!.transpose());
        const biasIh = this.param(`bias_ih${suffix}`);
        const biasHh = this.param(`bias_hh${suffix}`);
        const h = hStates === null ? zeros : hStates[index]!.reshape([batch, this.hiddenSize]);
        if (this.kind === 'LSTM') {
          // Both biases folded into the projection: one add over [T * N, 4H] instead of one per step.
          if (biasIh !== null) xp = xp.add(biasIh.add(biasHh!));
          const c0 = cStates === null ? zeros : cStates[index]!.reshape([batch, this.hiddenSize]);
          const run = lstmDirection(xp, this.param(`weight_hh${suffix}`)!, h, c0, direction === 1, steps, batch, this.hiddenSize);
          outputs.push(run.output);
          hFinal.push(run.h);
          cFinal.push(run.c);
          return;
        }
        if (biasIh !== null) xp = xp.add(biasIh);
        const weightHh = this.param(`weight_hh${suffix}`)!;
        const run = this.kind === 'GRU'
          ? gruDirection(xp, weightHh, biasHh, h, direction === 1, steps, batch, this.hiddenSize)
          : rnnDirection(xp, weightHh, biasHh, h, direction === 1, this.relu, steps, batch, this.hiddenSize);
        outputs.push(run.output);
        hFinal.push(run.h);
      });
      seq = outputs.length === 1 ? outputs[0]! : concat(outputs, 2);
    }
    let output = unbatched ? seq.reshape([steps, seq.shape[2]!]) : this.batchFirst ? seq.transpose(0, 1) : seq;
    const pack = (states: Tensor[]): Tensor => {
      const s = stack(states, 0);
      return unbatched ? s.reshape([states.length, this.hiddenSize]) : s;
    };
    return { output, h: pack(hFinal), c: cFinal.length > 0 ? pack(cFinal) : null };
  }

  private weight(layer: number): Tensor {
    return this.param(`weight_ih_l${layer}`)!;
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    if (this.relu) parts.push("nonlinearity='relu'");
    return parts.join(', ');
  }
}

/**
 * An Elman RNN (torch.nn.RNN; Keras SimpleRNN): h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
 * `forward(x)` returns the output sequence; `run(x, h0?)` also the final states h [L*D, N, H].
 */
export class RNN extends RecurrentBase {
  protected readonly kind = 'RNN';
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('RNN', inputSize, hiddenSize, options);
  }
  /** The output sequence and the final hidden states. */
  run(x: Tensor, h0?: Tensor): { output: Tensor; h: Tensor } {
    const { output, h } = this.runAll(x, h0, undefined);
    return { output, h };
  }
}

/** A GRU (torch.nn.GRU; Keras GRU with resetAfter): gates r, z, n in that order. */
export class GRU extends RecurrentBase {
  protected readonly kind = 'GRU';
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }
  /** The output sequence and the final hidden states. */
  run(x: Tensor, h0?: Tensor): { output: Tensor; h: Tensor } {
    const { output, h } = this.runAll(x, h0, undefined);
    return { output, h };
  }
}

/** An LSTM (torch.nn.LSTM; Keras LSTM): gates i, f, g, o in that order. */
export class LSTM extends RecurrentBase {
  protected readonly kind = 'LSTM';
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }
  /** The output sequence and the final hidden and cell states; `state` gives both or neither. */
  run(x: Tensor, state?: { h: Tensor; c: Tensor }): { output: Tensor; h: Tensor; c: Tensor } {
    if (state !== undefined && (typeof state !== 'object' || state === null || !('h' in state) || !('c' in state))) {
      throw new Error(`${this.label}: state must be { h, c }`);
    }
    const { output, h, c } = this.runAll(x, state?.h, state?.c);
    return { output, h, c: c! };
  }
}

/** The shared machinery of the cells: one step on [N, input] (or an unbatched [input]). */
abstract class CellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly weight_ih: Tensor;
  readonly weight_hh: Tensor;
  readonly bias_ih: Tensor | null;
  readonly bias_hh: Tensor | null;
  protected readonly relu: boolean;
  protected abstract readonly kind: Kind;

  constructor(kind: Kind, inputSize: number, hiddenSize: number, options: CellOptions) {
    super();
    const name = `${kind}Cell`;
    checkOptions(name, options, kind === 'RNN' ? ['bias', 'nonlinearity', 'dtype', 'rng'] : ['bias', 'dtype', 'rng']);
    this.inputSize = expectInteger(inputSize, `${name}: inputSize`, 1);
    this.hiddenSize = expectInteger(hiddenSize, `${name}: hiddenSize`, 1);
    const hasBias = expectBoolean(options.bias ?? true, `${name}: option bias`);
    this.relu = kind === 'RNN' ? checkNonlinearity(options.nonlinearity ?? 'tanh', name) : false;
    const rng = checkGenerator(name, options.rng);
    const dtype = options.dtype ?? getDefaultDtype();
    const bound = 1 / Math.sqrt(hiddenSize);
    const g = GATES[kind] * hiddenSize;
    this.weight_ih = initParameter([g, inputSize], bound, dtype, rng);
    this.weight_hh = initParameter([g, hiddenSize], bound, dtype, rng);
    this.bias_ih = hasBias ? initParameter([g], bound, dtype, rng) : null;
    this.bias_hh = hasBias ? initParameter([g], bound, dtype, rng) : null;
  }

  /** `LSTMCell(3 -> 4)`: how errors name this cell. */
  get label(): string {
    return `${this.kind}Cell(${this.inputSize} -> ${this.hiddenSize})`;
  }

  protected stepCell(x: Tensor, h: Tensor | undefined, c: Tensor | undefined): { h: Tensor; c: Tensor | null } {
    expectTensor(x, `${this.label}: input`);
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new Error(`${this.label}: expected input [batch, ${this.inputSize}] or unbatched [${this.inputSize}], got shape ${formatShape(x.shape)}`);
    }
    const unbatched = x.ndim === 1;
    const input = unbatched ? x.reshape([1, this.inputSize]) : x;
    const batch = input.shape[0]!;
    const state = (t: Tensor | undefined, what: string): Tensor => {
      if (t === undefined) return tensor(new Float64Array(batch * this.hiddenSize), { shape: [batch, this.hiddenSize], dtype: this.weight_ih.dtype });
      expectTensor(t, `${this.label}: ${what}`);
      const expected = unbatched ? [this.hiddenSize] : [batch, this.hiddenSize];
      if (t.ndim !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
        throw new Error(`${this.label}: ${what} must have shape ${formatShape(expected)}, got ${formatShape(t.shape)}`);
      }
      return t.reshape([batch, this.hiddenSize]);
    };
    let xp = input.matmul(this.weight_ih.transpose());
    if (this.bias_ih !== null) xp = xp.add(this.bias_ih);
    const next = step(this.kind, this.relu, xp, state(h, 'h'), this.kind === 'LSTM' ? state(c, 'c') : null, { weightHh: this.weight_hh, biasHh: this.bias_hh });
    const shape = unbatched ? [this.hiddenSize] : [batch, this.hiddenSize];
    return { h: next.h.reshape(shape), c: next.c === null ? null : next.c.reshape(shape) };
  }
}

/** One RNN step (torch.nn.RNNCell): `forward(x, h?)` returns h'. */
export class RNNCell extends CellBase {
  protected readonly kind = 'RNN';
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('RNN', inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, h?: Tensor): Tensor {
    return this.stepCell(x, h, undefined).h;
  }
}

/** One GRU step (torch.nn.GRUCell): `forward(x, h?)` returns h'. */
export class GRUCell extends CellBase {
  protected readonly kind = 'GRU';
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, h?: Tensor): Tensor {
    return this.stepCell(x, h, undefined).h;
  }
}

/**
 * One LSTM step (torch.nn.LSTMCell): `run(x, state?: { h, c })` returns { h, c }; `forward(x)`
 * returns h' alone (from zero state) so the cell fits the Module interface.
 */
export class LSTMCell extends CellBase {
  protected readonly kind = 'LSTM';
  constructor(inputSize: number, hiddenSize: number, options: CellOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }
  override forward(x: Tensor, ...extra: unknown[]): Tensor {
    // A state passed here would be silently ignored (forward starts from zeros): point to run.
    if (extra.length > 0) throw new Error(`${this.label}: forward(x) starts from a zero state; pass a state as run(x, { h, c })`);
    return this.stepCell(x, undefined, undefined).h;
  }
  /** One step from `state` (zeros when omitted): the next { h, c }. */
  run(x: Tensor, state?: { h: Tensor; c: Tensor }): { h: Tensor; c: Tensor } {
    const next = this.stepCell(x, state?.h, state?.c);
    return { h: next.h, c: next.c! };
  }
}
