/**
 * RNN, LSTM, GRU and the cells: PyTorch's outputs, final states, input, state and parameter
 * gradients (test/fixtures/rnn.py, PyTorch's own state dict loaded strictly), gradcheck and
 * gradgradcheck in float64 for every layer and option, and the errors.
 */
import { describe, expect, test } from 'vitest';
import { assertGradcheck, assertGradgradcheck, concat, Generator, randn, type Tensor } from '@nn/autograd';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, functionalCall, Module as ModuleBase, type Module } from '@nn/layers';
import { readFileSync } from 'node:fs';
import { decode, type Encoded } from './fixture.js';

interface RecurrentCase {
  name: string;
  kind: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  args: [number, number];
  options: Record<string, unknown>;
  state: Record<string, Encoded>;
  input: Encoded;
  h0: Encoded | null;
  c0: Encoded | null;
  output: Encoded | null;
  h: Encoded;
  c: Encoded | null;
  cotangents: Record<string, Encoded>;
  grads: Record<string, Encoded>;
}
const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/rnn.json', import.meta.url), 'utf8')) as { recurrent: RecurrentCase[] };

const CLASSES = { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell };

function expectClose(actual: Tensor, expected: Encoded, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  const a = actual.data();
  expected.data.forEach((e, i) => {
    const err = Math.abs(a[i]! - e) / Math.max(Math.abs(e), 1e-12);
    if (err > 1e-10) throw new Error(`${what}[${i}]: ${a[i]} vs PyTorch ${e} (relative error ${err})`);
  });
}

/** Runs any of the six on (x, h0, c0) and returns output / h / c as PyTorch names them. */
function runLayer(layer: Module, kind: RecurrentCase['kind'], x: Tensor, h0?: Tensor, c0?: Tensor): Record<string, Tensor> {
  if (kind === 'LSTM') {
    const r = (layer as LSTM).run(x, h0 === undefined ? undefined : { h: h0, c: c0! });
    return { output: r.output, h: r.h, c: r.c };
  }
  if (kind === 'RNN' || kind === 'GRU') {
    const r = (layer as RNN).run(x, h0);
    return { output: r.output, h: r.h };
  }
  if (kind === 'LSTMCell') {
    const r = (layer as LSTMCell).run(x, h0 === undefined ? undefined : { h: h0, c: c0! });
    return { h: r.h, c: r.c };
  }
  return { h: (layer as RNNCell).forward(x, h0) };
}

describe('recurrent layers against PyTorch', () => {
  for (const c of fixture.recurrent) {
    test(c.name, () => {
      const layer = new CLASSES[c.kind](c.args[0], c.args[1], { ...c.options, dtype: 'float64' });
      layer.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, decode(v)])), { strict: true });
      const x = decode(c.input, true);
      const h0 = c.h0 === null ? undefined : decode(c.h0, true);
      const c0 = c.c0 === null ? undefined : decode(c.c0, true);
      const results = runLayer(layer, c.kind, x, h0, c0);
      if (c.output !== null) expectClose(results.output!, c.output, `${c.name}: output`);
      expectClose(results.h!, c.h, `${c.name}: h`);
      if (c.c !== null) expectClose(results.c!, c.c, `${c.name}: c`);
      let loss: Tensor | null = null;
      for (const [key, cot] of Object.entries(c.cotangents)) {
        const term = results[key]!.mul(decode(cot)).sum();
        loss = loss === null ? term : loss.add(term);
      }
      loss!.backward();
      expectClose(x.grad!, c.grads.input!, `${c.name}: input gradient`);
      if (h0 !== undefined) expectClose(h0.grad!, c.grads.h0!, `${c.name}: h0 gradient`);
      if (c0 !== undefined) expectClose(c0.grad!, c.grads.c0!, `${c.name}: c0 gradient`);
      const params = Object.fromEntries(layer.namedParameters());
      expect(Object.keys(params).sort()).toEqual(Object.keys(c.state).sort());
      for (const key of Object.keys(c.state)) expectClose(params[key]!.grad!, c.grads[key]!, `${c.name}: ${key} gradient`);
    });
  }
});

/** Runs a layer with given states and returns every result flattened into one vector. */
class Probe extends ModuleBase {
  states: Tensor[] = [];
  constructor(
    readonly layer: Module,
    private readonly kind: RecurrentCase['kind'],
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    const r = runLayer(this.layer, this.kind, x, this.states[0], this.states[1]);
    return concat(Object.values(r).map((t) => t.reshape([-1])));
  }
}

/** gradcheck and gradgradcheck of the output (and final states) in the input and every parameter. */
function checkGradients(layer: Module, kind: RecurrentCase['kind'], xShape: number[], withState: number[] | null): void {
  const rng = new Generator(11);
  const x = randn(xShape, { dtype: 'float64', rng });
  const named = layer.namedParameters();
  const states = withState === null ? [] : kind.startsWith('LSTM') ? [randn(withState, { dtype: 'float64', rng }), randn(withState, { dtype: 'float64', rng })] : [randn(withState, { dtype: 'float64', rng })];
  const wrapper = new Probe(layer, kind);
  const f = (...inputs: Tensor[]): Tensor => {
    const [input, ...rest] = inputs;
    wrapper.states = rest.slice(0, states.length);
    const params = Object.fromEntries(named.map(([k], i) => [`layer.${k}`, rest[states.length + i]!]));
    return functionalCall(wrapper, params, input!);
  };
  const inputs = [x, ...states, ...named.map(([, p]) => p.detach())];
  assertGradcheck(f, inputs);
  assertGradgradcheck(f, inputs);
}


describe('recurrent gradients (gradcheck and gradgradcheck, float64)', () => {
  const cases: [string, () => Module, RecurrentCase['kind'], number[], number[] | null][] = [
    ['RNN tanh', () => new RNN(2, 3, { dtype: 'float64' }), 'RNN', [3, 2, 2], [1, 2, 3]],
    ['RNN relu 2 layers', () => new RNN(2, 2, { dtype: 'float64', nonlinearity: 'relu', numLayers: 2 }), 'RNN', [3, 2, 2], null],
    ['LSTM', () => new LSTM(2, 2, { dtype: 'float64' }), 'LSTM', [3, 2, 2], [1, 2, 2]],
    ['LSTM bidirectional batchFirst', () => new LSTM(2, 2, { dtype: 'float64', bidirectional: true, batchFirst: true }), 'LSTM', [2, 3, 2], null],
    ['LSTM 2 layers no bias', () => new LSTM(2, 2, { dtype: 'float64', numLayers: 2, bias: false }), 'LSTM', [3, 2, 2], null],
    ['GRU', () => new GRU(3, 2, { dtype: 'float64' }), 'GRU', [3, 2, 3], [1, 2, 2]],
    ['GRU bidirectional 2 layers', () => new GRU(2, 2, { dtype: 'float64', bidirectional: true, numLayers: 2 }), 'GRU', [3, 2, 2], null],
    ['RNNCell', () => new RNNCell(2, 3, { dtype: 'float64' }), 'RNNCell', [2, 2], [2, 3]],
    ['LSTMCell', () => new LSTMCell(3, 2, { dtype: 'float64' }), 'LSTMCell', [2, 3], [2, 2]],
    ['GRUCell no bias', () => new GRUCell(2, 2, { dtype: 'float64', bias: false }), 'GRUCell', [2, 2], [2, 2]],
  ];
  for (const [name, make, kind, xShape, stateShape] of cases) {
    test(name, () => checkGradients(make(), kind, xShape, stateShape));
  }
});

describe('recurrent errors', () => {
  test('input rank, input size and state shapes are named', () => {
    const lstm = new LSTM(3, 2, { batchFirst: true });
    expect(lstm.forward(randn([4, 3])).shape).toEqual([4, 2]); // 2-D is unbatched, as PyTorch
    expect(() => lstm.forward(randn([3]))).toThrow('LSTM(3 -> 2): expected a 3-D input [batch, time, features] or a 2-D unbatched one [time, features], got shape [3]');
    expect(() => lstm.forward(randn([1, 2, 3, 3]))).toThrow('got shape [1,2,3,3]');
    expect(() => lstm.forward(randn([2, 4, 5]))).toThrow('LSTM(3 -> 2): expected input with 3 features (last axis), got shape [2,4,5]');
    expect(() => lstm.run(randn([2, 4, 3]), { h: randn([1, 3, 2]), c: randn([1, 2, 2]) })).toThrow('LSTM(3 -> 2): state.h must have shape [1,2,2]');
    const gru = new GRU(3, 2, { numLayers: 2 });
    expect(() => gru.run(randn([4, 2, 3]), randn([1, 2, 2]))).toThrow('GRU(3 -> 2): h0 must have shape [2,2,2]');
    expect(() => new RNN(3, 2, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow("RNN: option nonlinearity must be 'tanh' or 'relu'");
    expect(() => new LSTM(3, 2, { nonlinearity: 'relu' } as never)).toThrow('LSTM');
    expect(() => new GRUCell(3, 2).forward(randn([2, 4]))).toThrow('GRUCell(3 -> 2): expected input [batch, 3] or unbatched [3], got shape [2,4]');
    expect(() => (new LSTMCell(3, 2).forward as (x: Tensor, h: Tensor) => Tensor)(randn([2, 3]), randn([2, 2]))).toThrow('LSTMCell(3 -> 2): forward(x) starts from a zero state');
    expect(() => new LSTM(3, 2).run(randn([4, 2, 3]), { h: randn([1, 2, 2]), c: randn([2, 2]) })).toThrow('LSTM(3 -> 2): state.c must have shape [1,2,2]');
    expect(() => new RNNCell(3, 2).forward(randn([2, 3]), randn([3, 2]))).toThrow('RNNCell(3 -> 2): h must have shape [2,2], got [3,2]');
  });

  test('shapes, init bound and dropout only in training', () => {
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, dropout: 0.5 });
    const shapes = Object.fromEntries(Object.entries(lstm.stateDict()).map(([k, v]) => [k, v.shape]));
    expect(shapes).toEqual({
      weight_ih_l0: [16, 3], weight_hh_l0: [16, 4], bias_ih_l0: [16], bias_hh_l0: [16],
      weight_ih_l0_reverse: [16, 3], weight_hh_l0_reverse: [16, 4], bias_ih_l0_reverse: [16], bias_hh_l0_reverse: [16],
      weight_ih_l1: [16, 8], weight_hh_l1: [16, 4], bias_ih_l1: [16], bias_hh_l1: [16],
      weight_ih_l1_reverse: [16, 8], weight_hh_l1_reverse: [16, 4], bias_ih_l1_reverse: [16], bias_hh_l1_reverse: [16],
    });
    for (const p of lstm.parameters()) for (const v of p.data()) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
    const x = randn([5, 2, 3]);
    lstm.eval();
    const a = lstm.forward(x).data();
    expect(Array.from(lstm.forward(x).data())).toEqual(Array.from(a));
    lstm.train();
    expect(Array.from(lstm.forward(x).data())).not.toEqual(Array.from(a));
  });
});
