/**
 * scaledDotProductAttention, MultiheadAttention, TransformerEncoderLayer and TransformerEncoder
 * against PyTorch (test/fixtures/attention.py): outputs, attention weights and the gradients of the
 * inputs, float masks and every parameter, from PyTorch's state dict loaded strictly, 1e-10 relative.
 */
import { describe, expect, test } from 'vitest';
import { tensor, type Tensor } from '@nn/autograd';
import { LayerNorm, MultiheadAttention, TransformerEncoder, TransformerEncoderLayer, scaledDotProductAttention, type Module } from '@nn/layers';
import { readFileSync } from 'node:fs';
import { expectClose, type Encoded } from './fixture.js';

/** A tensor as the generator writes it; masks carry their dtype (bool masks as int32 0/1). */
interface Typed extends Encoded {
  dtype: 'int32' | 'float64';
}

interface SdpaCase {
  name: string;
  q: Encoded;
  k: Encoded;
  v: Encoded;
  mask: Typed | null;
  options: { causal?: boolean; scale?: number };
  output: Encoded;
  cotangent: Encoded;
  grads: Record<string, Encoded>;
}

interface MhaCase {
  name: string;
  args: [number, number];
  options: Record<string, unknown>;
  state: Record<string, Encoded>;
  same: boolean;
  query: Encoded;
  key: Encoded | null;
  value: Encoded | null;
  run: { needWeights?: boolean; averageAttnWeights?: boolean; causal?: boolean };
  attnMask: Typed | null;
  keyPaddingMask: Typed | null;
  output: Encoded;
  weights: Encoded | null;
  cotangents: { output: Encoded; weights?: Encoded };
  grads: Record<string, Encoded>;
}

interface EncoderCase {
  name: string;
  args: [number, number];
  options: Record<string, unknown>;
  layers: number | null;
  norm: boolean;
  state: Record<string, Encoded>;
  input: Encoded;
  mask: Typed | null;
  srcKeyPaddingMask: Typed | null;
  causal: boolean;
  output: Encoded;
  cotangent: Encoded;
  grads: Record<string, Encoded>;
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const number = (v: number | string): number => (typeof v === 'string' ? NON_FINITE[v]! : v);

const fixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/attention.json', import.meta.url), 'utf8')) as {
  sdpa: SdpaCase[];
  mha: MhaCase[];
  encoder: EncoderCase[];
};

/** A float64 tensor of the recorded values (masks hold -Infinity, written as a string). */
function decode(e: Encoded, requiresGrad = false): Tensor {
  return tensor(Float64Array.from(e.data, number), { shape: e.shape, dtype: 'float64', requiresGrad });
}

/** A recorded mask: int32 0/1 for PyTorch's bool, float64 (requiring grad) for an additive one. */
function decodeMask(e: Typed): Tensor {
  return e.dtype === 'int32' ? tensor(Int32Array.from(e.data), { shape: e.shape, dtype: 'int32' }) : decode(e, true);
}

/** The state dict as tensors, loaded strictly, and the parameters' gradients compared after. */
function load(module: Module, state: Record<string, Encoded>): void {
  module.loadStateDict(Object.fromEntries(Object.entries(state).map(([k, v]) => [k, decode(v)])), { strict: true });
  expect(Object.keys(module.stateDict()).sort()).toEqual(Object.keys(state).sort());
}

/**
 * The gradient of `in_proj_bias` [3E]: its key third is exactly zero in exact arithmetic (the key
 * bias adds q . b_k to every score of a query's row, and softmax ignores a shift of its row), so
 * both PyTorch's and ours are rounding noise there (~1e-17) and no relative comparison can hold:
 * that third must be noise-sized, relative to the gradient's largest entry; the query and value
 * thirds are compared at 1e-10 relative as usual.
 */
function expectInProjBiasGradient(actual: Tensor | null, expected: Encoded, where: string): void {
  expect(actual, where).not.toBeNull();
  const e = expected.shape[0]! / 3;
  const scale = Math.max(...expected.data.map((v) => Math.abs(number(v))));
  const part = (t: Tensor, third: number): Tensor => t.slice([third * e], [(third + 1) * e]);
  const expectedPart = (third: number): Encoded => ({ shape: [e], data: expected.data.slice(third * e, (third + 1) * e) });
  expectClose(part(actual!, 0), expectedPart(0), `${where} (query third)`);
  expectClose(part(actual!, 2), expectedPart(2), `${where} (value third)`);
  for (const v of [...part(actual!, 1).data(), ...expectedPart(1).data.map(number)]) expect(Math.abs(v), `${where} (key third)`).toBeLessThan(1e-13 * scale);
}

function expectParameterGradients(module: Module, state: Record<string, Encoded>, grads: Record<string, Encoded>, name: string): void {
  const params = Object.fromEntries(module.namedParameters());
  expect(Object.keys(params).sort()).toEqual(Object.keys(state).sort());
  for (const key of Object.keys(state)) {
    const check = key.endsWith('in_proj_bias') ? expectInProjBiasGradient : expectClose;
    check(params[key]!.grad, grads[key]!, `${name}: ${key} gradient`);
  }
}

describe('scaledDotProductAttention against PyTorch', () => {
  for (const c of fixture.sdpa) {
    test(c.name, () => {
      const [q, k, v] = [decode(c.q, true), decode(c.k, true), decode(c.v, true)];
      const mask = c.mask === null ? undefined : decodeMask(c.mask);
      const out = scaledDotProductAttention(q, k, v, { ...c.options, ...(mask === undefined ? {} : { mask }) });
      expectClose(out, c.output, `${c.name}: output`);
      out.mul(decode(c.cotangent)).sum().backward();
      expectClose(q.grad, c.grads.q!, `${c.name}: q gradient`);
      expectClose(k.grad, c.grads.k!, `${c.name}: k gradient`);
      expectClose(v.grad, c.grads.v!, `${c.name}: v gradient`);
      if (c.grads.mask !== undefined) expectClose(mask!.grad, c.grads.mask, `${c.name}: mask gradient`);
    });
  }
});

describe('MultiheadAttention against PyTorch', () => {
  for (const c of fixture.mha) {
    test(c.name, () => {
      const layer = new MultiheadAttention(c.args[0], c.args[1], { ...c.options, dtype: 'float64' });
      load(layer, c.state);
      const query = decode(c.query, true);
      const key = c.same ? query : decode(c.key!, true);
      const value = c.same ? query : decode(c.value!, true);
      const attnMask = c.attnMask === null ? undefined : decodeMask(c.attnMask);
      const keyPaddingMask = c.keyPaddingMask === null ? undefined : decodeMask(c.keyPaddingMask);
      const { output, weights } = layer.run(query, key, value, {
        ...c.run,
        ...(attnMask === undefined ? {} : { attnMask }),
        ...(keyPaddingMask === undefined ? {} : { keyPaddingMask }),
      });
      expectClose(output, c.output, `${c.name}: output`);
      if (c.weights === null) expect(weights).toBeNull();
      else expectClose(weights, c.weights, `${c.name}: weights`);
      let loss = output.mul(decode(c.cotangents.output)).sum();
      if (c.cotangents.weights !== undefined) loss = loss.add(weights!.mul(decode(c.cotangents.weights)).sum());
      loss.backward();
      expectClose(query.grad, c.grads.query!, `${c.name}: query gradient`);
      if (!c.same) {
        expectClose(key.grad, c.grads.key!, `${c.name}: key gradient`);
        expectClose(value.grad, c.grads.value!, `${c.name}: value gradient`);
      }
      if (c.grads.attnMask !== undefined) expectClose(attnMask!.grad, c.grads.attnMask, `${c.name}: attnMask gradient`);
      expectParameterGradients(layer, c.state, c.grads, c.name);
      if (c.run.needWeights !== false && c.run.causal !== true && attnMask === undefined && keyPaddingMask === undefined && c.same) {
        // forward(x) is run(x, x, x).output.
        expectClose(layer.forward(query), c.output, `${c.name}: forward`);
      }
    });
  }
});

describe('TransformerEncoderLayer and TransformerEncoder against PyTorch', () => {
  for (const c of fixture.encoder) {
    test(c.name, () => {
      const layer = new TransformerEncoderLayer(c.args[0], c.args[1], { ...c.options, dtype: 'float64' });
      const module = c.layers === null ? layer : new TransformerEncoder(layer, c.layers, c.norm ? { norm: new LayerNorm(c.args[0], { dtype: 'float64' }) } : {});
      load(module, c.state);
      const x = decode(c.input, true);
      const mask = c.mask === null ? undefined : decodeMask(c.mask);
      const opts = {
        ...(mask === undefined ? {} : { mask }),
        ...(c.srcKeyPaddingMask === null ? {} : { srcKeyPaddingMask: decodeMask(c.srcKeyPaddingMask) }),
        ...(c.causal ? { causal: true } : {}),
      };
      const out = module.run(x, opts);
      expectClose(out, c.output, `${c.name}: output`);
      out.mul(decode(c.cotangent)).sum().backward();
      expectClose(x.grad, c.grads.input!, `${c.name}: input gradient`);
      if (c.grads.mask !== undefined) expectClose(mask!.grad, c.grads.mask, `${c.name}: mask gradient`);
      expectParameterGradients(module, c.state, c.grads, c.name);
      if (Object.keys(opts).length === 0) expectClose(module.forward(x), c.output, `${c.name}: forward`);
    });
  }
});
