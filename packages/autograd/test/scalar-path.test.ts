/**
 * The scalar path of the engine: rank-0 ops with scalar rules are recorded on a tape (see `Tape` in
 * engine.ts), and in a backward pass that records nothing, rank-0 gradients are plain numbers and ops
 * with `scalarBackward` run those rules instead of their tensor rules. The tensor rule
 * stays the definition (it is what a createGraph pass runs), so the two must agree bit for bit, and
 * everything the engine promises (hooks, capture, retainGraph, in-place checks, anomaly detection)
 * must hold on scalar graphs as on any other.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import fc from 'fast-check';
import { apply } from '../src/op.js';
import type { BuiltinOp, OpRecord } from '../src/op.js';
import { listPrimitiveOps } from '../src/ops/registry.js';
import { Node } from '../src/graph-node.js';
import { Tape } from '../src/tape.js';
import type { Draw } from '../src/check/spec.js';
import { detectAnomaly, grad, gradients, hessian, noGrad, stack, tensor, type DType, type Tensor } from '../src/index.js';
import { smallestDraw } from './draw.js';

const f64 = { dtype: 'float64' as const };

/**
 * A Draw that takes the smallest choice for every single integer (so ranks, broadcast partners and
 * shapes come out rank-0) and draws runs of integers (the values, and the signs of awayFromZero)
 * from fast-check: an op's own spec then gives rank-0 inputs with random values from its domain.
 */
function rankZeroDraw(g: fc.GeneratorValue): Draw {
  return {
    integer: (min) => min,
    integers: (count, min, max) => g(fc.array, fc.integer({ min, max }), { minLength: count, maxLength: count }),
  };
}

/** The gradients of `f` at `inputs` for the cotangent `cot`, from `backward` with the given options. */
function leafGrads(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], cot: number, createGraph: boolean): (number | null)[] {
  const leaves = inputs.map((x) => tensor(x.item(), { dtype: x.dtype, requiresGrad: x.requiresGrad }));
  const y = f(...leaves);
  y.backward(tensor(cot, { dtype: y.dtype }), { createGraph });
  return leaves.map((leaf) => (leaf.grad === null ? null : leaf.grad.item()));
}

const scalarOps = listPrimitiveOps().filter(({ op }) => op.scalarBackward !== undefined);

describe('every scalar rule agrees with its tensor rule, bit for bit', () => {
  afterEach(() => vi.restoreAllMocks());

  test('the arithmetic ops and the unary ops have scalar rules, one per input', () => {
    const names = scalarOps.map(({ name }) => name);
    for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'neg', 'exp', 'log', 'relu', 'tanh', 'sigmoid']) {
      expect(names).toContain(name);
    }
    for (const { op } of scalarOps) {
      expect(op.scalarBackward!.length).toBe(op.spec.sample(smallestDraw).inputs.length);
    }
  });

  for (const { name, op } of scalarOps) {
    test(`${name}: rank-0 inputs, float64, float32 and mixed dtypes, any inputs requiring grad`, () => {
      const caseArb = fc
        .tuple(
          fc.gen(),
          fc.constantFrom<'float64' | 'float32' | 'mixed'>('float64', 'float32', 'mixed'),
          fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
          fc.double({ min: -3, max: 3, noNaN: true }),
        )
        .map(([g, dtypes, needs, cot]) => {
          const { inputs, attrs } = (op as BuiltinOp<unknown>).spec.sample(rankZeroDraw(g));
          const typed = inputs.map((x, i) => {
            const dtype: DType = dtypes === 'mixed' ? (i === 0 ? 'float32' : 'float64') : dtypes;
            // At least one input requires grad; the others as drawn.
            return tensor(x.item(), { dtype, requiresGrad: i === 0 || needs[i - 1]! });
          });
          return { inputs: typed, attrs, cot, dtypes };
        });
      fc.assert(
        fc.property(caseArb, ({ inputs, attrs, cot, dtypes }) => {
          for (const x of inputs) expect(x.shape).toEqual([]);
          const f = (...xs: Tensor[]) => apply(op as OpRecord<unknown>, xs, attrs);
          const spy = vi.spyOn(op, 'backward');
          const scalarPath = leafGrads(f, inputs, cot, false);
          // The scalar path ran (no tensor rule) exactly when every operand has the output's dtype.
          expect(spy).toHaveBeenCalledTimes(dtypes === 'mixed' && inputs.length > 1 ? 1 : 0);
          spy.mockClear();
          const tensorRule = leafGrads(f, inputs, cot, true);
          expect(spy).toHaveBeenCalledTimes(1);
          spy.mockRestore();
          scalarPath.forEach((g, i) => {
            // Object.is: bitwise, -0 and NaN included.
            if (!Object.is(g, tensorRule[i])) {
              throw new Error(`${name} input ${i}: scalar path gives ${g}, tensor rule ${tensorRule[i]} (inputs ${inputs.map(String).join(', ')}, cotangent ${cot})`);
            }
          });
        }),
      );
    });
  }
});

/** A small micrograd-style network of scalars: every op of the scalar path, fan-out and reuse. */
function scalarNet(dtype: DType) {
  const w = [0.3, -1.2, 0.7, 2.1].map((v) => tensor(v, { dtype, requiresGrad: true }));
  const x = [0.5, -0.25].map((v) => tensor(v, { dtype }));
  const run = (): Tensor => {
    const h1 = w[0]!.mul(x[0]!).add(w[1]!.mul(x[1]!)).tanh();
    const h2 = w[2]!.mul(x[0]!).sub(w[3]!.div(x[1]!)).relu();
    const h3 = h1.mul(h2).add(h1.square()).sigmoid().add(w[0]!.exp()).log();
    return h3.mul(h3).add(w[2]!.abs().sqrt()).maximum(h1).pow(2).reciprocal().neg().add(h2.sin().cos());
  };
  return { w, run };
}

describe('a scalar graph goes backward exactly as through its tensor rules', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    test(`gradients of a small network equal those of a createGraph pass (${dtype})`, () => {
      const plain = scalarNet(dtype);
      plain.run().backward();
      const recorded = scalarNet(dtype);
      recorded.run().backward(undefined, { createGraph: true });
      plain.w.forEach((leaf, i) => {
        expect(leaf.grad!.dtype).toBe(dtype);
        expect(leaf.grad!.shape).toEqual([]);
        expect(leaf.grad!.requiresGrad).toBe(false);
        expect(Object.is(leaf.grad!.item(), recorded.w[i]!.grad!.item())).toBe(true);
      });
    });
  }

  test('gradients accumulate into an existing .grad, which stays a tensor of its own', () => {
    const { w, run } = scalarNet('float64');
    run().backward();
    const first = w.map((leaf) => leaf.grad!.item());
    const firstGrad = w[0]!.grad!;
    run().backward();
    w.forEach((leaf, i) => expect(leaf.grad!.item()).toBe(first[i]! + first[i]!));
    expect(w[0]!.grad).not.toBe(firstGrad);
    expect(firstGrad.item()).toBe(first[0]);
    // Safe to change in place: it shares storage with nothing else.
    noGrad(() => w[0]!.grad!.assign(5));
    expect(w[1]!.grad!.item()).toBe(2 * first[1]!);
  });

  test('a hook on an intermediate scalar sees the summed gradient and its result flows on', () => {
    const x = tensor(2, { ...f64, requiresGrad: true });
    const h = x.mul(3);
    const seen: number[] = [];
    h.registerHook((g) => {
      seen.push(g.item());
      return g.mul(10);
    });
    h.mul(h).add(h).backward();
    // d/dh (h^2 + h) = 2h + 1 = 13; the hook makes it 130, and dh/dx = 3.
    expect(seen).toEqual([13]);
    expect(x.grad!.item()).toBe(390);
  });

  test('a hook may not change the dtype or the shape of a scalar gradient (a leaf, and a tape entry)', () => {
    const x = tensor(2, { ...f64, requiresGrad: true });
    x.registerHook((g) => g.cast('float32'));
    expect(() => x.mul(x).add(1).backward()).toThrow(
      'registerHook: a hook on a float64 tensor of shape [] returned a float32 gradient of shape []; it must return a float64 gradient of shape [], or nothing',
    );
    expect(x.grad).toBeNull();
    const w = tensor(0.5, { dtype: 'float32', requiresGrad: true });
    const h = w.mul(w);
    expect(h.producer).toBeInstanceOf(Tape);
    h.registerHook(function widen(g) {
      return g.cast('float64');
    });
    expect(() => h.exp().backward()).toThrow(/the hook 'widen' on a float32 tensor of shape \[\] returned a float64 gradient of shape \[\]; it must return a float32/);
    const v = tensor(0.5, { ...f64, requiresGrad: true });
    const k = v.mul(3);
    k.registerHook((g) => g.reshape([1]));
    expect(() => k.tanh().backward()).toThrow(/returned a float64 gradient of shape \[1\]; it must return a float64 gradient of shape \[\]/);
    expect(v.grad).toBeNull();
  });

  test('a hook on a scalar leaf sees its total gradient', () => {
    const x = tensor(2, { ...f64, requiresGrad: true });
    const seen: number[] = [];
    x.registerHook((g) => void seen.push(g.item()));
    x.mul(x).add(x.mul(4)).backward();
    expect(seen).toEqual([8]);
    expect(x.grad!.item()).toBe(8);
  });

  test('gradients() captures an intermediate scalar and does not look past it', () => {
    const x = tensor(2, { ...f64, requiresGrad: true });
    const h = x.mul(3).exp();
    const y = h.mul(h).add(1);
    const [gh, gx] = gradients(y, [h, x], tensor(1, f64), { retainGraph: true });
    expect(gh!.item()).toBe(2 * h.item());
    expect(gx!.item()).toBe(0);
    expect(x.grad).toBeNull();
  });

  test('retainGraph runs a scalar graph twice; without it the second pass throws', () => {
    const x = tensor(1.5, { ...f64, requiresGrad: true });
    const y = x.mul(x).tanh();
    y.backward(undefined, { retainGraph: true });
    const once = x.grad!.item();
    y.backward();
    expect(x.grad!.item()).toBe(2 * once);
    expect(() => y.backward()).toThrow(/already released/);
  });

  test('a scalar changed in place after the forward makes backward throw', () => {
    const w = tensor(0.5, { ...f64, requiresGrad: true });
    const y = w.mul(w).add(1);
    noGrad(() => w.assign(2));
    expect(() => y.backward()).toThrow(/changed in place/);
  });

  test('anomaly detection still names the backward rule of a scalar op', () => {
    const x = tensor(0, { ...f64, requiresGrad: true });
    const y = x.sqrt();
    expect(() => detectAnomaly(() => y.backward())).toThrow(/backward of 'sqrt'/);
  });

  test('a chain of 200,000 scalar ops goes backward', () => {
    const x = tensor(1, { ...f64, requiresGrad: true });
    let y: Tensor = x;
    for (let i = 0; i < 100_000; i++) y = y.mul(1.0001).add(0.001);
    y.backward();
    expect(x.grad!.item()).toBeCloseTo(1.0001 ** 100_000, 6);
  });
});

describe('the scalar tape', () => {
  for (const { name, op } of scalarOps) {
    test(`${name}: the tape's forward gives exactly the op's forward`, () => {
      fc.assert(
        fc.property(fc.gen(), fc.constantFrom<DType>('float64', 'float32'), (g, dtype) => {
          const { inputs, attrs } = (op as BuiltinOp<unknown>).spec.sample(rankZeroDraw(g));
          const leaves = inputs.map((x) => tensor(x.item(), { dtype, requiresGrad: true }));
          const taped = apply(op as OpRecord<unknown>, leaves, attrs);
          const plain = noGrad(() => apply(op as OpRecord<unknown>, leaves, attrs));
          expect(taped.requiresGrad).toBe(true);
          expect(taped.node!.op).toBe(op);
          expect(taped.dtype).toBe(plain.dtype);
          expect(taped.shape).toEqual([]);
          if (!Object.is(taped.item(), plain.item())) {
            throw new Error(`${name}: tape gives ${taped.item()}, forward ${plain.item()} (inputs ${leaves.map(String).join(', ')})`);
          }
        }),
      );
    });
  }

  test("a tape tensor has a node describing its op and inputs, and is no leaf", () => {
    const w = tensor(2, { ...f64, requiresGrad: true });
    const x = tensor(3, f64);
    const h = w.mul(x);
    const y = h.add(1).relu();
    // Recorded on the tape: no node object per op.
    expect(y.producer).toBeInstanceOf(Tape);
    expect(y.isLeaf).toBe(false);
    expect(y.node!.op.name).toBe('relu');
    expect(y.node).toBe(y.node);
    const add = y.node!.inputs[0]!.node!;
    expect(add.op.name).toBe('add');
    expect(add.inputs.map((t) => t.item())).toEqual([6, 1]);
    expect(add.needsInputGrad).toEqual([true, false]);
    expect(add.inputs[0]!.node!.inputs).toEqual([w, x].map((t) => expect.objectContaining({ offset: t.offset, storage: t.storage })));
    expect(() => noGrad(() => h.assign(1))).toThrow(/cannot change the result of 'mul'/);
  });

  test('after a backward pass, ops on the old graph are recorded as nodes, and gradients flow through both', () => {
    const x = tensor(1.5, { ...f64, requiresGrad: true });
    const y = x.mul(x);
    y.backward(undefined, { retainGraph: true });
    expect(x.grad!.item()).toBe(3);
    // y is on the tape of the first pass; z is recorded as a node that leads into it.
    const z = y.mul(4).add(x);
    expect(z.producer).toBeInstanceOf(Node);
    z.backward();
    expect(x.grad!.item()).toBe(3 + (4 * 3 + 1));
  });

  test('tensor ops mixed with tape ops: stack of tape scalars, and scalar ops on a reduction', () => {
    const run = (createGraph: boolean): number[] => {
      const w = [0.5, -1.5, 2].map((v) => tensor(v, { ...f64, requiresGrad: true }));
      const squares = w.map((t) => t.mul(t).add(t));
      const total = stack(squares).sum();
      const out = total.mul(total).add(w[0]!.exp()).tanh();
      out.backward(undefined, { createGraph });
      return w.map((t) => t.grad!.item());
    };
    const numeric = run(false);
    const recorded = run(true);
    numeric.forEach((g, i) => expect(Object.is(g, recorded[i])).toBe(true));
    // d/dw_i tanh(s^2 + e^w0) with s = sum(w^2 + w).
    const w = [0.5, -1.5, 2];
    const s = w.reduce((sum, v) => sum + v * v + v, 0);
    const t = Math.tanh(s * s + Math.exp(w[0]!));
    const expected = w.map((v, i) => (1 - t * t) * (2 * s * (2 * v + 1) + (i === 0 ? Math.exp(v) : 0)));
    numeric.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 12));
  });

  test('second derivatives of a scalar graph (createGraph falls back to the tensor rules)', () => {
    const cube = (x: Tensor): Tensor => x.mul(x).mul(x).add(x.sin());
    const x = tensor(0.7, f64);
    expect(grad(cube)(x).item()).toBeCloseTo(3 * 0.49 + Math.cos(0.7), 14);
    expect(hessian(cube)(x).item()).toBeCloseTo(6 * 0.7 - Math.sin(0.7), 14);
    const leaf = tensor(0.7, { ...f64, requiresGrad: true });
    const [g] = gradients(cube(leaf), [leaf], tensor(1, f64), { createGraph: true });
    g!.backward();
    expect(leaf.grad!.item()).toBeCloseTo(6 * 0.7 - Math.sin(0.7), 14);
  });

  test('a leaf changed in place between two uses: only the op recorded before the change is stale', () => {
    const w = tensor(2, { ...f64, requiresGrad: true });
    const before = w.mul(w);
    noGrad(() => w.assign(5));
    const after = w.mul(3);
    after.backward();
    expect(w.grad!.item()).toBe(3);
    expect(() => before.backward()).toThrow(/saved by 'mul' was changed in place/);
  });

  test('a released tape entry names its op; a removed hook no longer runs', () => {
    const x = tensor(0.5, { ...f64, requiresGrad: true });
    const h = x.exp();
    const seen: number[] = [];
    const remove = h.registerHook((g) => void seen.push(g.item()));
    const y = h.mul(2);
    y.backward(undefined, { retainGraph: true });
    remove();
    y.backward();
    expect(seen).toEqual([2]);
    expect(x.grad!.item()).toBe(2 * 2 * Math.exp(0.5));
    expect(() => y.backward()).toThrow(/graph through 'mul' was already released/);
  });

  test('a released root leaves the tape: its value stays, ops on it become nodes, backward through them throws', () => {
    const x = tensor(0.5, { ...f64, requiresGrad: true });
    const y = x.mul(x).exp();
    const value = y.item();
    const kept = y.detach();
    y.backward();
    expect(y.producer).toBeInstanceOf(Node);
    expect(y.node!.op.name).toBe('exp');
    expect([y.item(), y.toArray(), y.dtype, y.shape, y.requiresGrad, y.isLeaf]).toEqual([value, value, 'float64', [], true, false]);
    // A detached tape scalar has a value of its own (the tape's array holds the whole graph's values).
    expect(kept.item()).toBe(value);
    expect(kept.storage.length).toBe(1);
    const z = y.mul(2);
    expect(z.producer).toBeInstanceOf(Node);
    expect(() => z.backward()).toThrow(/graph through 'exp' was already released/);
    expect(() => y.backward()).toThrow(/graph through 'exp' was already released/);
  });

  test('a pass that runs the tensor rules (anomaly detection) releases the tape too', () => {
    const x = tensor(0.5, { ...f64, requiresGrad: true });
    const y = x.mul(x).sin();
    detectAnomaly(() => y.backward());
    expect(x.grad!.item()).toBe(Math.cos(0.25));
    expect(y.producer).toBeInstanceOf(Node);
    expect(() => y.backward()).toThrow(/graph through 'sin' was already released/);
    expect(gradients(y, [y], tensor(2, f64))[0]!.item()).toBe(2);
  });

  test('a root the walk stops at stays on the tape, unreleased', () => {
    const x = tensor(0.5, { ...f64, requiresGrad: true });
    const y = x.mul(3);
    expect(gradients(y, [y], tensor(2, f64))[0]!.item()).toBe(2);
    expect(y.producer).toBeInstanceOf(Tape);
    y.backward();
    expect(x.grad!.item()).toBe(3);
  });

  test('float32 graphs go on a float32 tape; mixed dtypes are recorded as nodes', () => {
    const a = tensor(0.1, { dtype: 'float32', requiresGrad: true });
    const b = tensor(0.2, { dtype: 'float64', requiresGrad: true });
    const y32 = a.mul(a).add(a);
    expect(y32.dtype).toBe('float32');
    const mixed = y32.mul(b);
    expect(mixed.dtype).toBe('float64');
    mixed.backward();
    const a32 = Math.fround(0.1);
    expect(a.grad!.dtype).toBe('float32');
    expect(a.grad!.item()).toBeCloseTo((2 * a32 + 1) * 0.2, 6);
    expect(b.grad!.item()).toBe(Math.fround(Math.fround(a32 * a32) + a32));
  });

  test('a function closing over a scalar of a recorded graph is differentiated through it', () => {
    const w = tensor(3, { ...f64, requiresGrad: true });
    const h = w.mul(2);
    const f = (x: Tensor): Tensor => x.mul(h).add(x.mul(x));
    const g = grad(f)(tensor(1.5, f64));
    expect(g.item()).toBe(6 + 3);
    // The outer graph is reachable from the result: d/dw of g = d/dw (h + 2x) = 2.
    g.backward();
    expect(w.grad!.item()).toBe(2);
  });
});
