/** Module mechanics: discovery, dotted names, modes, state dicts, functionalCall, toString, summary. */
import { describe, expect, test } from 'vitest';
import { Generator, grad, noGrad, tensor, type Tensor } from '@nn/autograd';
import {
  BatchNorm1d,
  Dense,
  Dropout,
  GELU,
  LayerNorm,
  Module,
  ReLU,
  Sequential,
  Tanh,
  functionalCall,
  mseLoss,
  parameter,
  zeros,
} from '@nn/layers';

const f64 = { dtype: 'float64' as const };

/** A custom model: an own parameter, a constant, a nested Sequential and an array of heads. */
class Net extends Module {
  scale = tensor(2, { ...f64, requiresGrad: true });
  constant = tensor([1, 2, 3], f64); // no requiresGrad: not a parameter
  body = new Sequential([new Dense(3, 4, { ...f64, rng: new Generator(1) }), new ReLU(), new Dense(4, 4, { ...f64, rng: new Generator(2) })]);
  heads = [new Dense(4, 2, { ...f64, rng: new Generator(3) }), new Dense(4, 1, { ...f64, rng: new Generator(4) })];
  norm = new BatchNorm1d(4, f64);
  drop = new Dropout(0.5);

  override forward(x: Tensor): Tensor {
    const h = this.drop.call(this.norm.call(this.body.call(x))).mul(this.scale);
    return this.heads[0]!.call(h).sum(1, true).add(this.heads[1]!.call(h));
  }
}

const values = (t: Tensor): number[] => Array.from(t.data());
const input = tensor([[0.5, -1, 2], [1, 0.25, -0.5], [-2, 1, 0]], f64);

describe('discovery and names', () => {
  test('parameters come from fields, own first, with dotted PyTorch-style names', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale',
      'body.0.weight',
      'body.0.bias',
      'body.2.weight',
      'body.2.bias',
      'heads.0.weight',
      'heads.0.bias',
      'heads.1.weight',
      'heads.1.bias',
      'norm.weight',
      'norm.bias',
    ]);
    expect(net.parameters()).toHaveLength(11);
    expect(net.parameters()[1]).toBe(net.body.layers[0]!.parameters()[0]);
    expect(net.namedParameters({ recurse: false }).map(([n]) => n)).toEqual(['scale']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['norm.running_mean', 'norm.running_var', 'norm.num_batches_tracked']);
  });

  test('modules: children and the whole tree, depth first', () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual(['body', 'heads.0', 'heads.1', 'norm', 'drop']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'body', 'body.0', 'body.1', 'body.2', 'heads.0', 'heads.1', 'norm', 'drop']);
    expect(net.children()[0]).toBe(net.body);
  });

  test('a Sequential names its layers 0, 1, ... as PyTorch', () => {
    const model = new Sequential([new Dense(2, 3), new ReLU(), new Dense(3, 1)]);
    expect(model.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(model.append(new Tanh()).length).toBe(4);
    expect(model.at(-1)).toBeInstanceOf(Tanh);
  });

  test('a shared layer (weight tying) is listed once; a cycle does not loop', () => {
    const shared = new Dense(2, 2);
    class Tied extends Module {
      a = shared;
      b = shared;
      parent: Module | null = null;
      override forward(x: Tensor): Tensor {
        return this.b.call(this.a.call(x));
      }
    }
    const tied = new Tied();
    tied.parent = tied;
    expect(tied.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias']);
    expect(Object.keys(tied.stateDict())).toEqual(['a.weight', 'a.bias']);
  });

  test('a frozen parameter (requiresGrad = false) stays a parameter and stays in the state dict', () => {
    const dense = new Dense(3, 2);
    dense.weight.requiresGrad = false;
    expect(dense.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(Object.keys(dense.stateDict())).toEqual(['weight', 'bias']);
  });

  test('parameter() marks leaves and rejects op results', () => {
    const t = parameter(tensor([1, 2]));
    expect(t.requiresGrad).toBe(true);
    expect(() => parameter(t.mul(2))).toThrow('parameter: a parameter must be a leaf tensor, got the result of an op (shape [2])');
  });
});

describe('train and eval', () => {
  test('recursive, returning the module', () => {
    const net = new Net();
    expect(net.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    expect(net.train()).toBe(net);
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
    net.train(false);
    expect(net.heads[1]!.training).toBe(false);
    expect(() => net.train('yes' as unknown as boolean)).toThrow("Net.train: mode must be true or false, got the string \"yes\"");
  });

  test('eval mode makes a model with Dropout and BatchNorm deterministic', () => {
    const net = new Net().eval();
    expect(values(net.call(input))).toEqual(values(net.call(input)));
  });
});

describe('state dicts', () => {
  test('parameters then buffers per module, as detached copies', () => {
    const bn = new BatchNorm1d(2, f64);
    const dict = bn.stateDict();
    expect(Object.keys(dict)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(dict.weight).not.toBe(bn.weight);
    expect(dict.weight!.requiresGrad).toBe(false);
    noGrad(() => dict.weight!.assign(5));
    expect(values(bn.weight!)).toEqual([1, 1]);
  });

  test('round trip: a fresh model loaded with the state dict computes the same', () => {
    const trained = new Net();
    trained.train().call(input); // updates the running statistics
    const copy = new Net().loadStateDict(trained.stateDict());
    trained.eval();
    copy.eval();
    expect(values(copy.call(input))).toEqual(values(trained.call(input)));
    expect(values(copy.norm.runningMean!)).toEqual(values(trained.norm.runningMean!));
    expect(copy.norm.numBatchesTracked!.item()).toBe(1);
  });

  test('loading copies in place: the parameter tensors (which optimizers hold) stay the same objects', () => {
    const dense = new Dense(2, 2, f64);
    const weight = dense.weight;
    dense.loadStateDict({ weight: tensor([[1, 2], [3, 4]], f64), bias: tensor([0, 0], f64) });
    expect(dense.weight).toBe(weight);
    expect(dense.weight.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(dense.weight.requiresGrad).toBe(true);
  });

  test('missing and unexpected keys are named; nothing is loaded on error', () => {
    const model = new Sequential([new Dense(4, 3, f64)]);
    const before = values(model.parameters()[0]!);
    expect(() => model.loadStateDict({ '0.weight': tensor(new Float64Array(12), { shape: [3, 4] }), extra: tensor([1], f64) })).toThrow(
      "Sequential.loadStateDict: missing keys ['0.bias']; unexpected keys ['extra']",
    );
    expect(values(model.parameters()[0]!)).toEqual(before);
  });

  test("another dtype is converted to the module's, as PyTorch's load_state_dict copies", () => {
    const wide = new Dense(2, 1, f64);
    wide.loadStateDict({ weight: tensor([[0.1, -2]], { dtype: 'float32' }), bias: tensor([0.5], { dtype: 'float32' }) });
    expect(wide.weight.dtype).toBe('float64');
    expect(values(wide.weight)).toEqual([Math.fround(0.1), -2]);
    const narrow = new Dense(2, 1, { dtype: 'float32' });
    narrow.loadStateDict({ weight: tensor([[1 / 3, 1]], f64), bias: tensor([0], f64) });
    expect(narrow.weight.dtype).toBe('float32');
    expect(values(narrow.weight)).toEqual([Math.fround(1 / 3), 1]);
  });

  test('shape and non-tensor values are rejected with the key', () => {
    const model = new Sequential([new Dense(4, 3, f64)]);
    const bias = tensor([0, 0, 0], f64);
    expect(() => model.loadStateDict({ '0.weight': zeros([4, 3], f64), '0.bias': bias })).toThrow(
      "Sequential.loadStateDict: key '0.weight': shape [4,3] does not match [3,4] (the module's)",
    );
    expect(() => model.loadStateDict({ '0.weight': [[1]] as unknown as Tensor, '0.bias': bias })).toThrow(
      "Sequential.loadStateDict: key '0.weight': expected a Tensor, got the array [[1]]",
    );
    expect(() => model.loadStateDict(null as unknown as Record<string, Tensor>)).toThrow(
      'Sequential.loadStateDict: expected an object mapping names to tensors, got null',
    );
  });

  test('strict: false loads the keys present and ignores the rest', () => {
    const dense = new Dense(2, 1, f64);
    dense.loadStateDict({ bias: tensor([7], f64), other: tensor(1, f64) }, { strict: false });
    expect(values(dense.bias!)).toEqual([7]);
  });

  test('registerBuffer: a named, saved, untrained field; null means absent', () => {
    class Counter extends Module {
      count = this.registerBuffer('count', zeros([1], f64));
      missing = this.registerBuffer('missing', null);
      override forward(x: Tensor): Tensor {
        noGrad(() => this.count.assign(this.count.add(1)));
        return x;
      }
    }
    const c = new Counter();
    c.call(input);
    expect(c.parameters()).toEqual([]);
    expect(Object.keys(c.stateDict())).toEqual(['count']);
    expect(c.stateDict().count!.item()).toBe(1);
    expect(() => c.registerBuffer('a.b', null)).toThrow("Counter.registerBuffer: the name must be an identifier (no dots), got the string \"a.b\"");
  });

  test('registerBuffer: a state-dict key other than the field name (PyTorch spelling), used by both directions', () => {
    class Counter extends Module {
      seenCount = this.registerBuffer('seenCount', zeros([1], f64), { key: 'seen_count' });
      override forward(x: Tensor): Tensor {
        return x;
      }
    }
    const c = new Counter();
    expect(Object.keys(c.stateDict())).toEqual(['seen_count']);
    expect(c.namedBuffers().map(([n]) => n)).toEqual(['seen_count']);
    c.loadStateDict({ seen_count: tensor([7], f64) });
    expect(c.seenCount.item()).toBe(7);
    expect(() => c.loadStateDict({ seenCount: tensor([7], f64) })).toThrow("Counter.loadStateDict: missing keys ['seen_count']; unexpected keys ['seenCount']");
    expect(() => c.registerBuffer('other', null, { key: 'a.b' })).toThrow('Counter.registerBuffer: the key must be an identifier (no dots), got the string "a.b"');
    expect(() => c.registerBuffer('other', null, { stateKey: 'x' } as never)).toThrow(/Counter.registerBuffer/);
  });

  test('zeroGrad clears every parameter gradient', () => {
    const net = new Net();
    net.call(input).sum().backward();
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe('functionalCall', () => {
  test('runs with substituted parameters and restores the originals', () => {
    const dense = new Dense(2, 1, f64);
    const original = dense.weight;
    const y = functionalCall(dense, { weight: tensor([[1, 1]], f64), bias: tensor([0.5], f64) }, tensor([[2, 3]], f64));
    expect(y.toArray()).toEqual([[5.5]]);
    expect(dense.weight).toBe(original);
  });

  test('makes a module a function of its parameters for grad', () => {
    const dense = new Dense(2, 1, f64);
    const x = tensor([[1, 2], [3, 4]], f64);
    const target = tensor([[1], [0]], f64);
    const g = grad((w: Tensor) => mseLoss(functionalCall(dense, { weight: w }, x), target))(dense.weight);
    // d/dW mean((xW^T + b - t)^2) = 2/N * r^T x with residuals r; here 2/N = 1.
    const r = values(dense.call(x).sub(target));
    [r[0]! * 1 + r[1]! * 3, r[0]! * 2 + r[1]! * 4].forEach((expected, i) => expect(values(g)[i]).toBeCloseTo(expected, 12));
  });

  test('restores also when the forward throws, and names unknown parameters', () => {
    const dense = new Dense(2, 1, f64);
    const original = dense.weight;
    expect(() => functionalCall(dense, { weight: tensor([[1, 1]], f64) }, tensor([1, 2, 3], f64))).toThrow('Dense(2 -> 1): expected input with 2 features');
    expect(dense.weight).toBe(original);
    expect(() => functionalCall(dense, { kernel: original }, tensor([1, 2], f64))).toThrow(
      "functionalCall: Dense has no parameter 'kernel' (it has: weight, bias)",
    );
  });
});

describe('toString and summary', () => {
  test('a nested PyTorch-like description', () => {
    const model = new Sequential([new Dense(4, 8), new GELU(), new Sequential([new LayerNorm(8), new Dropout(0.1)]), new Dense(8, 2, { bias: false })]);
    expect(model.toString()).toBe(
      [
        'Sequential(',
        '  (0): Dense(inFeatures=4, outFeatures=8, bias=true)',
        '  (1): GELU()',
        '  (2): Sequential(',
        '    (0): LayerNorm([8], eps=0.00001, elementwiseAffine=true)',
        '    (1): Dropout(p=0.1)',
        '  )',
        '  (3): Dense(inFeatures=8, outFeatures=2, bias=false)',
        ')',
      ].join('\n'),
    );
    expect(String(new Net())).toContain('(heads.1): Dense(inFeatures=4, outFeatures=1, bias=true)');
  });

  test('a Keras-style table: output shapes, parameter counts and totals', () => {
    const model = new Sequential([new Dense(4, 8), new ReLU(), new BatchNorm1d(8), new Dense(8, 3)]);
    model.parameters()[0]!.requiresGrad = false; // frozen: counted as non-trainable
    expect(model.summary([4])).toBe(
      [
        'Model: Sequential, input shape [1,4] (a batch of 1)',
        '_'.repeat(43),
        'Layer (type)      Output shape   Param #',
        '='.repeat(43),
        '0 (Dense)         [1,8]          40',
        '1 (ReLU)          [1,8]          0',
        '2 (BatchNorm1d)   [1,8]          16',
        '3 (Dense)         [1,3]          27',
        '='.repeat(43),
        'Total params: 83',
        'Trainable params: 51',
        'Non-trainable params: 32',
        'Buffers (not trained): 17',
        '_'.repeat(43),
      ].join('\n'),
    );
  });

  test('summary runs in eval mode under noGrad and leaves the model as it was', () => {
    const net = new Net();
    net.heads[1]!.eval();
    const table = net.summary([3]);
    expect(table).toContain('body.2 (Dense)');
    expect(table).toContain('(own) (Net)          [1,1]          1');
    expect(table).toContain('Total params: 60'); // 1 + 16 + 20 + 10 + 5 + 8
    expect(net.training).toBe(true);
    expect(net.heads[1]!.training).toBe(false);
    expect(net.norm.numBatchesTracked!.item()).toBe(0);
    expect(Object.getOwnPropertyNames(net.body)).not.toContain('forward');
    expect(() => net.summary([5])).toThrow('Dense(3 -> 4): expected input with 3 features (last axis), got shape [1,5]');
    expect(() => net.summary([-1])).toThrow('Net.summary: inputShape must be an array of non-negative integers, got the array [-1]');
  });
});
