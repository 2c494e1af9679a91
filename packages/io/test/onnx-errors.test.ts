/**
 * exportOnnx's errors (an op without an ONNX form names the op and the module path; a tensor
 * computed from the input outside the traced ops; bad options), its eval mode, its opsets, and
 * control flow captured as traced.
 */
import { describe, expect, it } from 'vitest';
import { defineOp, manualSeed, randint, randn, tensor, tril, triu, type Tensor } from '@nn/autograd';
import { BatchNorm1d, Dense, Dropout, embedding, GELU, GroupNorm, LayerNorm, Module, ReLU, Sequential, Softmax, Tanh } from '@nn/layers';
import { exportOnnx, SUPPORTED_OPSETS } from '@nn/io';
import { expectAgreement, expectClose, ourForward, runSession, sessionOf } from './onnx-runtime.js';

/** A module running `body` on its input, for cases. */
class Lambda extends Module {
  constructor(private readonly body: (x: Tensor) => Tensor) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return this.body(x);
  }
}

describe('exportOnnx: errors', () => {
  it('names an op without an ONNX form and the module path where it ran', () => {
    const net = new Sequential([new Dense(3, 3), new Sequential([new ReLU(), new Lambda((x) => x.cumsum(1))])]);
    expect(() => exportOnnx(net, randn([2, 3]))).toThrow("exportOnnx: op 'cumsum' has no ONNX form, in module '1.1' (Lambda)");
  });

  it('names a custom op (defineOp) that has no ONNX form', () => {
    const cube = defineOp({ name: 'cube', forward: (x) => x.mul(x).mul(x), backward: (g, { inputs: [x] }) => [g.mul(x!.square()).mul(3)] });
    expect(() => exportOnnx(new Lambda((x) => cube(x)), randn([2, 3]))).toThrow("exportOnnx: op 'cube' has no ONNX form, in the root module (Lambda)");
  });

  it('rejects a tensor computed from the input outside the traced ops (functional embedding)', () => {
    const weight = randn([5, 2]);
    expect(() => exportOnnx(new Lambda((ids) => embedding(ids, weight)), randint(0, 5, [3, 4]))).toThrow(
      /exportOnnx: op 'indexSelect' reads a tensor of shape \[12\] that was computed from the input outside the traced ops .*, in the root module \(Lambda\)/,
    );
  });


  it('rejects a constant whose shape follows the batch size with dynamicBatch (and takes it without)', async () => {
    const net = new Lambda((x) => x.add(tensor(new Float32Array(x.shape[0]! * 3).fill(1), { shape: [x.shape[0]!, 3] })));
    expect(() => exportOnnx(net, randn([2, 3]), { dynamicBatch: true })).toThrow(
      /exportOnnx: op 'add' reads a tensor of shape \[2, 3\] that no traced op made and whose shape follows the batch size, in the root module \(Lambda\)/,
    );
    await expectAgreement('a constant of the example batch size', net, [randn([2, 3])], {});
  });

  it('checks its arguments and options', () => {
    const net = new Dense(2, 2);
    const x = randn([1, 2]);
    expect(() => exportOnnx({} as Module, x)).toThrow(/exportOnnx: module must be a Module, got/);
    expect(() => exportOnnx(net, [1, 2] as unknown as Tensor)).toThrow(/exportOnnx: exampleInput must be a Tensor, got/);
    expect(() => exportOnnx(net, x, { opset: 12 })).toThrow('exportOnnx: opset 12 is not supported (supported: 13, 14, 15, 16, 17, 18)');
    expect(() => exportOnnx(net, x, { dynamic: true } as never)).toThrow(/^exportOnnx: unknown option 'dynamic' \(did you mean 'dynamicBatch'\?/);
    expect(() => exportOnnx(net, x, { inputName: 'x', outputName: 'x' })).toThrow("exportOnnx: inputName and outputName must differ, both are 'x'");
    expect(() => exportOnnx(net, x, { inputName: '' })).toThrow('exportOnnx: inputName must be a non-empty string, got');
    expect(() => exportOnnx(net, x, { dynamicBatch: 1 as unknown as boolean })).toThrow('exportOnnx: dynamicBatch must be a boolean, got 1');
    expect(() => exportOnnx(net, tensor(1))).toThrow('exportOnnx: exampleInput must have a non-empty first axis (the batch), got shape []');
  });

  it('fails with ONNX Runtime\'s own message when ONNX Runtime rejects a model', async () => {
    await expect(sessionOf(Uint8Array.from([0x08, 0x01, 0x3a, 0x02, 0x0a, 0x00]), 'a broken model')).rejects.toThrow(/ONNX Runtime rejected the model of a broken model: .+/);
  });
});

describe('exportOnnx: mode, names, opsets, tracing', () => {
  it('exports in eval mode (Dropout the identity, BatchNorm on running statistics) and restores the mode', async () => {
    manualSeed(5);
    const norm = new BatchNorm1d(3);
    const net = new Sequential([new Dense(3, 3), new Dropout(0.5), norm]);
    net.train();
    norm.forward(randn([6, 3]).mul(3).add(1));
    net.train();
    const bytes = exportOnnx(net, randn([4, 3]));
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
    const x = randn([4, 3]);
    const session = await sessionOf(bytes, 'eval mode');
    expectClose('eval mode', await runSession(session, x), ourForward(net, x));
    net.eval();
    exportOnnx(net, x);
    expect(net.namedModules().some(([, m]) => m.training)).toBe(false);
  });

  it('exports a float64 module as float32', async () => {
    manualSeed(6);
    const net = new Sequential([new Dense(3, 4, { dtype: 'float64' }), new Tanh(), new Dense(4, 2, { dtype: 'float64' })]);
    await expectAgreement('float64', net, [randn([2, 3], { dtype: 'float64' }), randn([5, 3], { dtype: 'float64' })]);
  });

  it('promotes int32 operands as @nn does (true division, int32 with float)', async () => {
    const net = new Lambda((ids) => ids.div(3).add(ids.gt(2.5)).add(ids.mul(2)).add(ids.eq(ids.mul(0).add(4))));
    await expectAgreement('int32 arithmetic', net, [randint(0, 6, [2, 4]), randint(0, 6, [3, 4])]);
  });

  it('uses the given input and output names', async () => {
    const net = new Sequential([new Dense(2, 3), new Tanh()]);
    await expectAgreement('named', net, [randn([3, 2]), randn([1, 2])], { inputName: 'features', outputName: 'logits', dynamicBatch: true });
  });

  it('writes every supported opset, checked by ONNX Runtime', async () => {
    manualSeed(9);
    const net = new Sequential([new Dense(4, 6), new GELU(), new LayerNorm(6), new Lambda((x) => x.reshape([x.shape[0]!, 2, 3])),
      new GroupNorm(1, 2), new Lambda((x) => x.max(2).add(x.min(2)).add(x.prod(2)).add(x.slice([0, 0, 1], [x.shape[0]!, 2, 3]).sum(2))),
      new Softmax()]);
    for (const opset of SUPPORTED_OPSETS) await expectAgreement(`opset ${opset}`, net, [randn([2, 4]), randn([3, 4])], { opset, dynamicBatch: true });
  });

  it('writes tril and triu from opset 14 and says so below', async () => {
    const net = new Lambda((x) => tril(x).add(triu(x, 1)).reshape([x.shape[0]!, 9]));
    await expectAgreement('tril and triu', net, [randn([2, 3, 3]), randn([3, 3, 3])], { opset: 14, dynamicBatch: true });
    expect(() => exportOnnx(net, randn([2, 3, 3]), { opset: 13 })).toThrow("exportOnnx: op 'tril' needs opset 14 or later (ONNX's Trilu); got opset 13, in the root module (Lambda)");
  });

  it('captures control flow on tensor values as traced (as torch.onnx.export)', async () => {
    // The branch taken on the example (a positive sum) is the graph, whatever the input later.
    const net = new Lambda((x) => (x.sum().item() > 0 ? x.relu() : x.neg()));
    const session = await sessionOf(exportOnnx(net, tensor([[1, 2]]), {}), 'traced branch');
    const got = await runSession(session, tensor([[-1, -2]]));
    expect([...got.data]).toEqual([0, 0]);
  });
});
