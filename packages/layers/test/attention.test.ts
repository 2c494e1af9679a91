/**
 * Attention beyond the PyTorch fixtures (attention-pytorch.test.ts): gradcheck and gradgradcheck in
 * float64 of scaledDotProductAttention and of every layer in its inputs and parameters, the masks'
 * meaning and the causal structure, dropout (the identity in evaluation, zeroing in training), init,
 * NaN, float32, and the errors.
 */
import { describe, expect, test } from 'vitest';
import { assertGradcheck, assertGradgradcheck, cast, concat, Generator, randn, tensor, zeros, type Tensor } from '@nn/autograd';
import {
  LayerNorm,
  Module,
  MultiheadAttention,
  TransformerEncoder,
  TransformerEncoderLayer,
  functionalCall,
  scaledDotProductAttention,
  type MultiheadAttentionRunOptions,
  type TransformerEncoderRunOptions,
} from '@nn/layers';

const f64 = { dtype: 'float64' } as const;
const int32 = (data: number[][] | number[]): Tensor => tensor(data, { dtype: 'int32' });

describe('scaledDotProductAttention gradients (gradcheck and gradgradcheck, float64)', () => {
  const rng = new Generator(5);
  const cases: [string, number[], number[], number[], Parameters<typeof scaledDotProductAttention>[3]][] = [
    ['plain, S != L', [2, 3, 2], [2, 4, 2], [2, 4, 3], {}],
    ['heads [B, H, L, E], causal', [1, 2, 3, 2], [1, 2, 3, 2], [1, 2, 3, 2], { causal: true }],
    ['boolean mask and scale', [3, 2], [4, 2], [4, 2], { mask: int32([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 1, 1]]), scale: 0.7 }],
  ];
  for (const [name, qs, ks, vs, opts] of cases) {
    test(name, () => {
      const inputs = [randn(qs, { ...f64, rng }), randn(ks, { ...f64, rng }), randn(vs, { ...f64, rng })];
      const f = (q: Tensor, k: Tensor, v: Tensor): Tensor => scaledDotProductAttention(q, k, v, opts);
      assertGradcheck(f as (...t: Tensor[]) => Tensor, inputs);
      assertGradgradcheck(f as (...t: Tensor[]) => Tensor, inputs);
    });
  }

  // The three ways the weights op takes a mask: rows repeated over the batch ([L, S]), the scores'
  // whole shape, and one that broadcasts otherwise ([B, 1, S], added before the op).
  for (const maskShape of [[3, 3], [2, 3, 3], [2, 1, 3]]) {
    test(`an additive float mask of shape [${maskShape}] gets its gradient too`, () => {
      const inputs = [randn([2, 3, 2], { ...f64, rng }), randn([2, 3, 2], { ...f64, rng }), randn([2, 3, 2], { ...f64, rng }), randn(maskShape, { ...f64, rng })];
      const f = (q: Tensor, k: Tensor, v: Tensor, mask: Tensor): Tensor => scaledDotProductAttention(q, k, v, { mask });
      assertGradcheck(f as (...t: Tensor[]) => Tensor, inputs);
      assertGradgradcheck(f as (...t: Tensor[]) => Tensor, inputs);
    });
  }
});

/** Runs a layer as f(x, key, value, ...params) for gradcheck: every result flattened into one vector. */
class Probe extends Module {
  others: Tensor[] = [];
  constructor(
    readonly layer: MultiheadAttention | TransformerEncoderLayer | TransformerEncoder,
    private readonly opts: MultiheadAttentionRunOptions & TransformerEncoderRunOptions,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    if (this.layer instanceof MultiheadAttention) {
      const { mask, srcKeyPaddingMask, ...opts } = this.opts;
      void mask;
      void srcKeyPaddingMask;
      const [key, value] = this.others.length === 0 ? [x, x] : this.others;
      const { output, weights } = this.layer.run(x, key!, value!, opts);
      return weights === null ? output.reshape([-1]) : concat([output.reshape([-1]), weights.reshape([-1])]);
    }
    const { mask, srcKeyPaddingMask, causal } = this.opts;
    return this.layer.run(x, { ...(mask ? { mask } : {}), ...(srcKeyPaddingMask ? { srcKeyPaddingMask } : {}), ...(causal ? { causal } : {}) }).reshape([-1]);
  }
}

/** gradcheck and gradgradcheck in the input(s) and every parameter. */
function checkLayer(layer: Probe['layer'], shapes: number[][], opts: MultiheadAttentionRunOptions & TransformerEncoderRunOptions = {}): void {
  const rng = new Generator(17);
  // Move the zero biases and unit norms of the init to a generic point.
  const named = layer.namedParameters().map(([name, p]): [string, Tensor] => [name, p.detach().add(randn(p.shape, { ...f64, rng }).mul(0.3))]);
  const data = shapes.map((s) => randn(s, { ...f64, rng }));
  const probe = new Probe(layer, opts);
  const f = (...inputs: Tensor[]): Tensor => {
    probe.others = inputs.slice(1, shapes.length);
    const params = Object.fromEntries(named.map(([k], i) => [`layer.${k}`, inputs[shapes.length + i]!]));
    return functionalCall(probe, params, inputs[0]!);
  };
  const inputs = [...data, ...named.map(([, p]) => p)];
  assertGradcheck(f, inputs);
  assertGradgradcheck(f, inputs);
}

describe('MultiheadAttention gradients (gradcheck and gradgradcheck, float64)', () => {
  test('self-attention with weights', () => checkLayer(new MultiheadAttention(4, 2, f64), [[3, 1, 4]]));
  test('cross-attention, kdim and vdim, batchFirst, keyPaddingMask', () =>
    checkLayer(new MultiheadAttention(4, 2, { ...f64, kdim: 3, vdim: 2, batchFirst: true }), [[2, 2, 4], [2, 3, 3], [2, 3, 2]], {
      keyPaddingMask: int32([[0, 0, 1], [0, 0, 0]]),
    }));
  test('unbatched, causal, no bias, per-head weights', () =>
    checkLayer(new MultiheadAttention(4, 2, { ...f64, bias: false }), [[3, 4]], { causal: true, averageAttnWeights: false }));
  test('float attnMask, needWeights false', () =>
    checkLayer(new MultiheadAttention(2, 1, f64), [[3, 2, 2], [2, 2, 2], [2, 2, 2]], { attnMask: tensor([[0, -1], [0.5, 0], [-Infinity, 0]], f64), needWeights: false }));
});

describe('Transformer encoder gradients (gradcheck and gradgradcheck, float64)', () => {
  test('TransformerEncoderLayer post-norm relu, boolean mask', () =>
    checkLayer(new TransformerEncoderLayer(4, 2, { ...f64, dimFeedforward: 3, dropout: 0 }), [[3, 1, 4]], { mask: int32([[0, 1, 0], [0, 0, 1], [1, 0, 0]]) }));
  test('TransformerEncoderLayer normFirst gelu batchFirst, causal with srcKeyPaddingMask', () =>
    checkLayer(new TransformerEncoderLayer(2, 1, { ...f64, dimFeedforward: 3, dropout: 0, activation: 'gelu', normFirst: true, batchFirst: true }), [[2, 3, 2]], {
      causal: true,
      srcKeyPaddingMask: int32([[0, 0, 1], [0, 0, 0]]),
    }));
  test('TransformerEncoder of 2 layers with a final norm', () =>
    checkLayer(new TransformerEncoder(new TransformerEncoderLayer(2, 1, { ...f64, dimFeedforward: 2, dropout: 0, activation: 'gelu' }), 2, { norm: new LayerNorm(2, f64) }), [[2, 1, 2]]));
});

describe('masks and structure', () => {
  const rng = new Generator(3);
  const q = randn([2, 4, 3], { ...f64, rng });
  const k = randn([2, 5, 3], { ...f64, rng });
  const v = randn([2, 5, 2], { ...f64, rng });

  test('causal: position i never depends on the keys and values after it', () => {
    const out = scaledDotProductAttention(q, k, v, { causal: true });
    // Changing key/value 3 and 4 leaves rows 0..2 as they were, and changes row 3.
    const k2 = concat([k.slice([0, 0, 0], [2, 3, 3]), randn([2, 2, 3], { ...f64, rng })], 1);
    const v2 = concat([v.slice([0, 0, 0], [2, 3, 2]), randn([2, 2, 2], { ...f64, rng })], 1);
    const out2 = scaledDotProductAttention(q, k2, v2, { causal: true });
    expect(Array.from(out2.slice([0, 0, 0], [2, 3, 2]).data())).toEqual(Array.from(out.slice([0, 0, 0], [2, 3, 2]).data()));
    expect(Array.from(out2.slice([0, 3, 0], [2, 4, 2]).data())).not.toEqual(Array.from(out.slice([0, 3, 0], [2, 4, 2]).data()));
  });

  test('a boolean mask is the additive mask of 0 and -Infinity; 1 means attend here, masked out in MultiheadAttention', () => {
    const allowed = [[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 0], [1, 1, 1, 1, 1]];
    const additive = tensor(allowed.map((row) => row.map((a) => (a === 1 ? 0 : -Infinity))), f64);
    const viaBool = scaledDotProductAttention(q, k, v, { mask: int32(allowed) }).data();
    expect(Array.from(viaBool)).toEqual(Array.from(scaledDotProductAttention(q, k, v, { mask: additive }).data()));
    const mha = new MultiheadAttention(3, 1, { ...f64, batchFirst: true, kdim: 3, vdim: 2 });
    const masked = int32(allowed.map((row) => row.map((a) => 1 - a)));
    const a = mha.run(q, k, v, { attnMask: masked }).weights!;
    const b = mha.run(q, k, v, { attnMask: additive }).weights!;
    expect(Array.from(a.data())).toEqual(Array.from(b.data()));
    // Masked-out keys get weight exactly 0 (in both batches: the mask is [L, S]).
    const w = a.data();
    masked.data().forEach((m, i) => {
      if (m === 1) {
        expect(w[i]).toBe(0);
        expect(w[20 + i]).toBe(0);
      }
    });
  });

  test('keyPaddingMask: a padded key has weight 0 and the output ignores its value', () => {
    const mha = new MultiheadAttention(3, 1, { ...f64, batchFirst: true, kdim: 3, vdim: 2 });
    const keyPaddingMask = int32([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]);
    const { output, weights } = mha.run(q, k, v, { keyPaddingMask });
    const w = weights!.toArray() as number[][][];
    w[0]!.forEach((row) => expect([row[3], row[4]]).toEqual([0, 0]));
    const v2 = concat([v.slice([0, 0, 0], [1, 3, 2]), randn([1, 2, 2], { ...f64, rng }), v.slice([1, 0, 0], [2, 5, 2])], 1);
    const again = mha.run(q, k, concat([v2.slice([0, 0, 0], [1, 5, 2]), v.slice([1, 0, 0], [2, 5, 2])], 0), { keyPaddingMask }).output;
    expect(Array.from(again.data())).toEqual(Array.from(output.data()));
  });

  test('a query whose keys are all masked out is NaN, as in PyTorch; a NaN input propagates', () => {
    const out = scaledDotProductAttention(q, k, v, { mask: int32([0, 0, 0, 0, 0]) });
    expect(Array.from(out.data()).every(Number.isNaN)).toBe(true);
    // One NaN in batch 0's first query: that query's row is NaN; batch 1 is untouched.
    const withNaN = concat([concat([tensor([[[NaN, 0, 0]]], f64), q.slice([0, 1, 0], [1, 4, 3])], 1), q.slice([1, 0, 0], [2, 4, 3])], 0);
    const r = scaledDotProductAttention(withNaN, k, v).toArray() as number[][][];
    expect(r[0]![0]!.every(Number.isNaN)).toBe(true);
    expect(r[1]!.flat().some(Number.isNaN)).toBe(false);
  });

  test('self-attention: forward(x) is run(x, x, x).output, and the packed path equals the sliced one', () => {
    const mha = new MultiheadAttention(4, 2, f64);
    const x = randn([3, 2, 4], { ...f64, rng });
    const packed = mha.forward(x);
    const sliced = mha.run(x, x.add(0), x.add(0)).output; // distinct tensors: three projections
    packed.data().forEach((p, i) => expect(Math.abs(p - sliced.data()[i]!)).toBeLessThan(1e-14));
  });

  test('float32 inputs give float32 results close to float64', () => {
    const mha = new MultiheadAttention(4, 2, { rng: new Generator(1) });
    const x = randn([3, 2, 4], { rng: new Generator(2) });
    const y32 = mha.forward(x);
    expect(y32.dtype).toBe('float32');
    const mha64 = new MultiheadAttention(4, 2, f64).loadStateDict(mha.stateDict());
    const y64 = mha64.forward(cast(x, 'float64'));
    y64.data().forEach((e, i) => expect(Math.abs(y32.data()[i]! - e)).toBeLessThan(2e-3 * Math.max(1, Math.abs(e))));
  });
});

describe('init and state dict', () => {
  test("PyTorch's keys and shapes; Xavier-uniform projections, zero biases, out_proj as nn.Linear", () => {
    const mha = new MultiheadAttention(16, 4, { rng: new Generator(0) });
    const dict = mha.stateDict();
    expect(Object.fromEntries(Object.entries(dict).map(([k, t]) => [k, t.shape]))).toEqual({
      in_proj_weight: [48, 16], in_proj_bias: [48], 'out_proj.weight': [16, 16], 'out_proj.bias': [16],
    });
    const max = (t: Tensor): number => Math.max(...Array.from(t.data(), Math.abs));
    expect(max(dict.in_proj_weight!)).toBeLessThanOrEqual(Math.sqrt(6 / 64));
    expect(max(dict.in_proj_weight!)).toBeGreaterThan(0.8 * Math.sqrt(6 / 64));
    expect(max(dict['out_proj.weight']!)).toBeLessThanOrEqual(1 / 4);
    expect(max(dict.in_proj_bias!)).toBe(0);
    expect(max(dict['out_proj.bias']!)).toBe(0);
    const separate = new MultiheadAttention(6, 2, { kdim: 4, vdim: 5, bias: false });
    expect(Object.fromEntries(Object.entries(separate.stateDict()).map(([k, t]) => [k, t.shape]))).toEqual({
      q_proj_weight: [6, 6], k_proj_weight: [6, 4], v_proj_weight: [6, 5], 'out_proj.weight': [6, 6],
    });
  });

  test('TransformerEncoder: deep copies of the layer, starting equal, trained apart', () => {
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
    const encoder = new TransformerEncoder(layer, 2);
    const dict = encoder.stateDict();
    expect(Object.keys(dict).filter((k) => k.startsWith('layers.1.'))).toHaveLength(12);
    expect(Array.from(dict['layers.1.linear1.weight']!.data())).toEqual(Array.from(layer.linear1.weight.data()));
    expect(encoder.layers[0]!.linear1.weight).not.toBe(encoder.layers[1]!.linear1.weight);
    expect(encoder.layers[0]!.linear1.weight).not.toBe(layer.linear1.weight);
    expect(encoder.parameters()).toHaveLength(24);
  });
});

describe('dropout', () => {
  test('scaledDotProductAttention: the weights are zeroed with probability p, the rest scaled by 1 / (1 - p)', () => {
    // With v the identity, the output is the weights themselves.
    const rng = new Generator(8);
    const q = randn([4, 30, 8], { ...f64, rng });
    const k = randn([4, 40, 8], { ...f64, rng });
    const eye = tensor(Array.from({ length: 40 }, (_, i) => Array.from({ length: 40 }, (_, j) => (i === j ? 1 : 0))), f64);
    const p = 0.3;
    const plain = scaledDotProductAttention(q, k, eye).data();
    const dropped = scaledDotProductAttention(q, k, eye, { dropout: p, rng: new Generator(1) }).data();
    let zeroed = 0;
    dropped.forEach((d, i) => {
      if (d === 0) zeroed++;
      else expect(Math.abs(d - plain[i]! / (1 - p))).toBeLessThan(1e-15);
    });
    const n = dropped.length;
    expect(Math.abs(zeroed / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    const again = scaledDotProductAttention(q, k, eye, { dropout: p, rng: new Generator(1) }).data();
    expect(Array.from(again)).toEqual(Array.from(dropped));
  });

  test('MultiheadAttention and the encoder: the identity in evaluation mode, random in training mode', () => {
    const x = randn([5, 2, 8], { rng: new Generator(4) });
    const mha = new MultiheadAttention(8, 2, { dropout: 0.5, rng: new Generator(2) });
    const reference = new MultiheadAttention(8, 2).loadStateDict(mha.stateDict());
    mha.eval();
    expect(Array.from(mha.forward(x).data())).toEqual(Array.from(reference.forward(x).data()));
    mha.train();
    const { weights } = mha.run(x, x, x, { averageAttnWeights: false });
    const w = Array.from(weights!.data());
    expect(w.filter((v) => v === 0).length).toBeGreaterThan(w.length / 4);
    expect(Array.from(mha.forward(x).data())).not.toEqual(Array.from(mha.forward(x).data()));

    const encoder = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, rng: new Generator(6) }), 2);
    const noDropout = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }), 2).loadStateDict(encoder.stateDict());
    expect(Array.from(encoder.forward(x).data())).not.toEqual(Array.from(encoder.forward(x).data()));
    encoder.eval();
    expect(Array.from(encoder.forward(x).data())).toEqual(Array.from(noDropout.forward(x).data()));
  });
});

describe('attention errors', () => {
  const x = randn([3, 2, 8]);
  test('scaledDotProductAttention names the operands and shapes', () => {
    const op = 'scaledDotProductAttention';
    expect(() => scaledDotProductAttention(randn([2, 3, 4]), randn([2, 5, 3]), randn([2, 5, 3]))).toThrow(`${op}: query and key must have the same last axis (features), got query [2,3,4], key [2,5,3], value [2,5,3]`);
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([4, 4]))).toThrow(`${op}: key and value must have the same length (second-to-last axis)`);
    expect(() => scaledDotProductAttention(randn([4]), randn([5, 4]), randn([5, 4]))).toThrow(`${op}: query must have at least 2 axes [..., length, features], got shape [4]`);
    expect(() => scaledDotProductAttention(randn([2, 3, 4]), randn([3, 5, 4]), randn([3, 5, 4]))).toThrow(`${op}: the batch axes (all but the last two) do not broadcast together`);
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([5, 4]), { mask: zeros([3, 4]) })).toThrow(`${op}: mask of shape [3,4] does not broadcast to the attention scores' shape [3,5]`);
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([5, 4]), { mask: zeros([2, 3, 5]) })).toThrow('does not broadcast');
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([5, 4]), { mask: int32([2, 0, 1, 1, 1]) })).toThrow(`${op}: mask: an int32 mask is boolean and must hold only 0 and 1, got 2`);
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([3, 4]), randn([3, 4]), { mask: zeros([3, 3]), causal: true })).toThrow(`${op}: give either mask or causal, not both`);
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([3, 4]), randn([3, 4]), { dropout: 1 })).toThrow(`${op}: option dropout must be a probability in [0, 1)`);
    expect(() => scaledDotProductAttention(int32([[1, 2]]), randn([3, 2]), randn([3, 2]))).toThrow(`${op}: query must be a float tensor, got int32`);
    expect(() => scaledDotProductAttention(randn([3, 4]), randn([3, 4]), randn([3, 4]), { casual: true } as never)).toThrow("unknown option 'casual' (did you mean 'causal'?");
  });

  test('MultiheadAttention names the layer, the inputs and the shapes', () => {
    expect(() => new MultiheadAttention(10, 3)).toThrow('MultiheadAttention: embedDim 10 is not divisible by numHeads 3');
    const mha = new MultiheadAttention(8, 2);
    expect(() => mha.forward(randn([8]))).toThrow('MultiheadAttention(8, 2): query, key and value must all be 3-D [length, batch, features] (batchFirst=false) or all 2-D unbatched [length, features], got query [8]');
    expect(() => mha.run(x, randn([4, 8]), randn([4, 8]))).toThrow('must all be 3-D');
    expect(() => mha.forward(randn([3, 2, 6]))).toThrow('MultiheadAttention(8, 2): query must have 8 features (last axis, embedDim), got query [3,2,6]');
    expect(() => mha.run(x, randn([4, 2, 5]), randn([4, 2, 8]))).toThrow('MultiheadAttention(8, 2): key must have 8 features (last axis, kdim)');
    // A batch-first tensor given to a time-major layer: the batch axes disagree.
    expect(() => mha.run(x, randn([2, 4, 8]), randn([2, 4, 8]))).toThrow('MultiheadAttention(8, 2): query, key and value must have the same batch size (batchFirst=false: inputs are [length, batch, features]), got query [3,2,8], key [2,4,8], value [2,4,8]');
    expect(() => mha.run(x, randn([4, 2, 8]), randn([5, 2, 8]))).toThrow('MultiheadAttention(8, 2): key and value must have the same length');
    expect(() => mha.run(x, x, x, { attnMask: zeros([3, 4]) })).toThrow('MultiheadAttention(8, 2): attnMask must have shape [3,3] (L, S) or [4,3,3] (batch * numHeads, L, S), got [3,4]');
    expect(() => mha.run(x, x, x, { keyPaddingMask: int32([[0, 0, 1]]) })).toThrow('MultiheadAttention(8, 2): keyPaddingMask must have shape [2,3] (batch, S), got [1,3]');
    expect(() => mha.run(x, x, x, { keyPaddingMask: int32([[0, 0, 3], [0, 0, 0]]) })).toThrow('MultiheadAttention(8, 2): keyPaddingMask: an int32 mask is boolean and must hold only 0 and 1, got 3');
    expect(() => mha.run(x, x, x, { attnMask: zeros([3, 3]), causal: true })).toThrow('MultiheadAttention(8, 2): give either attnMask or causal, not both');
    expect(() => new MultiheadAttention(8, 2, { kdim: 0 })).toThrow('MultiheadAttention: option kdim must be an integer >= 1, got 0');
    expect(() => mha.run(x, x, x, { needWeight: false } as never)).toThrow("unknown option 'needWeight' (did you mean 'needWeights'?");
  });

  test('TransformerEncoderLayer and TransformerEncoder name the layer and the shapes', () => {
    expect(() => new TransformerEncoderLayer(6, 4)).toThrow('TransformerEncoderLayer: dModel 6 is not divisible by nHead 4');
    expect(() => new TransformerEncoderLayer(8, 2, { activation: 'tanh' as 'relu' })).toThrow("TransformerEncoderLayer: option activation must be 'relu' or 'gelu', got the string \"tanh\"");
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
    expect(() => layer.forward(randn([2, 3, 4]))).toThrow('TransformerEncoderLayer(8, 2): expected src [batch, length, dModel] (batchFirst=true) or unbatched [length, dModel] with dModel = 8, got shape [2,3,4]');
    expect(() => layer.forward(randn([8]))).toThrow('got shape [8]');
    expect(() => layer.run(randn([2, 3, 8]), { srcKeyPaddingMask: int32([0, 0, 1]) })).toThrow('TransformerEncoderLayer(8, 2): self_attn: MultiheadAttention(8, 2): keyPaddingMask must have shape [2,3] (batch, S), got [3]');
    expect(() => new TransformerEncoder(layer, 2).run(randn([2, 3, 8]), { mask: zeros([3, 2]) })).toThrow('TransformerEncoderLayer(8, 2): self_attn: MultiheadAttention(8, 2): attnMask must have shape [3,3] (L, S) or [4,3,3] (batch * numHeads, L, S), got [3,2]');
    expect(() => new TransformerEncoder(new MultiheadAttention(8, 2) as never, 2)).toThrow('TransformerEncoder: layer must be a TransformerEncoderLayer');
    expect(() => new TransformerEncoder(layer, 0)).toThrow('TransformerEncoder: numLayers must be an integer >= 1, got 0');
    expect(() => new TransformerEncoder(layer, 1).run(randn([2, 3, 8]), { srcMask: zeros([3, 3]) } as never)).toThrow("TransformerEncoder.run: unknown option 'srcMask'");
  });
});
