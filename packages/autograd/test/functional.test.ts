/**
 * The JAX-style transforms (grad, valueAndGrad, vjp, jvp, jacobian, hessian, hvp): each against a
 * closed form or finite differences in float64, their composition (grad of grad, jacobian of grad,
 * grad through hvp and jvp, closures over an outer argument), and the contract: no accumulation,
 * no `.grad` touched, plain results at top level, exact error messages.
 */
import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import fc from 'fast-check';
import { expectClose as expectCloseTo } from '../../../test/close.js';
import {
  Generator, eye, grad, hessian, hvp, jacobian, jvp, matmul, noGrad, randn, tensor, valueAndGrad, vjp, zeros,
  type NestedArray, type Tensor,
} from '../src/index.js';

const f64 = (data: NestedArray): Tensor => tensor(data, { dtype: 'float64' });
const rng = new Generator(20261122);
const random = (shape: number[]): Tensor => randn(shape, { dtype: 'float64', rng });

/** Element-wise |a - b| <= atol + rtol * |b| (a NaN never passes), with equal shapes. */
function expectClose(actual: Tensor, expected: Tensor, atol = 1e-10, rtol = 1e-9): void {
  expect(actual.shape).toEqual(expected.shape);
  expectCloseTo(actual.data(), expected.data(), { atol, rtol }, 'values');
}

/** x + h * d, as a new float64 tensor. */
const step = (x: Tensor, d: Tensor, h: number): Tensor => noGrad(() => x.add(d.mul(h)));

/** The central-difference gradient of a scalar function of x. */
function numericGrad(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): Tensor {
  const flat = x.data();
  const out = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const e = zeros([flat.length], { dtype: 'float64' });
    e.storage[i] = 1;
    const d = e.reshape(x.shape);
    out[i] = (f(step(x, d, h)).item() - f(step(x, d, -h)).item()) / (2 * h);
  }
  return tensor(out, { shape: x.shape });
}

describe('grad and valueAndGrad', () => {
  test('grad of sum(x^2) is 2x', () => {
    const x = random([2, 3]);
    const g = grad((t: Tensor) => t.square().sum())(x);
    expect(g.dtype).toBe('float64');
    expectClose(g, x.mul(2));
  });

  test('grad of a composite function matches finite differences', () => {
    const w = random([3, 4]);
    const f = (x: Tensor): Tensor => matmul(w, x).tanh().mul(x.slice([0], [3]).exp()).sum().add(x.square().mean().log());
    const x = random([4]);
    expectClose(grad(f)(x), numericGrad(f, x), 1e-8, 1e-6);
  });

  test('argnums: a number gives one tensor, an array gives an array in argnums order', () => {
    const f = (x: Tensor, y: Tensor): Tensor => x.mul(y.square()).sum();
    const x = random([3]);
    const y = random([3]);
    const dx = y.square();
    const dy = x.mul(y).mul(2);
    expectClose(grad(f)(x, y), dx);
    expectClose(grad(f, { argnums: 1 })(x, y), dy);
    const both = grad(f, { argnums: [0, 1] })(x, y);
    expect(both).toHaveLength(2);
    expectClose(both[0]!, dx);
    expectClose(both[1]!, dy);
    const reversed = grad(f, { argnums: [1, 0] })(x, y);
    expectClose(reversed[0]!, dy);
    expectClose(reversed[1]!, dx);
    const single = grad(f, { argnums: [1] })(x, y);
    expect(Array.isArray(single)).toBe(true);
    expectClose(single[0]!, dy);
  });

  test('the same tensor in two differentiated slots gets each partial derivative separately', () => {
    const x = f64([1, 2, 3]);
    const [dx, dy] = grad((a: Tensor, b: Tensor) => a.mul(b.square()).sum(), { argnums: [0, 1] })(x, x);
    expectClose(dx!, f64([1, 4, 9]));
    expectClose(dy!, f64([2, 8, 18]));
  });

  test('valueAndGrad returns the value and the gradient(s)', () => {
    const f = (x: Tensor, y: Tensor): Tensor => x.exp().mul(y).sum();
    const x = f64([0, 1, -1]);
    const y = f64([2, 3, 4]);
    const [value, dx] = valueAndGrad(f)(x, y);
    expect(value.item()).toBeCloseTo(2 + 3 * Math.E + 4 / Math.E, 12);
    expectClose(dx, x.exp().mul(y));
    const [value2, [gx, gy]] = valueAndGrad(f, { argnums: [0, 1] })(x, y);
    expect(value2.item()).toBe(value.item());
    expectClose(gx!, dx);
    expectClose(gy!, x.exp());
    expect(value.requiresGrad).toBe(false);
  });

  test('a one-element output of any rank is accepted', () => {
    const g = grad((x: Tensor) => x.square().sum(0, true).reshape([1, 1]))(f64([1, 2]));
    expectClose(g, f64([2, 4]));
  });

  test('the gradient with respect to an argument f does not use is zeros of its shape', () => {
    const [dx, dy] = grad((x: Tensor, _y: Tensor) => x.sum(), { argnums: [0, 1] })(f64([1, 2]), f64([[1, 2, 3]]));
    expectClose(dx!, f64([1, 1]));
    expect(dy!.shape).toEqual([1, 3]);
    expect(dy!.toArray()).toEqual([[0, 0, 0]]);
    expect(grad((_x: Tensor) => f64(3))(f64([4, 5])).toArray()).toEqual([0, 0]);
  });

  test('float32 arguments get float32 gradients', () => {
    const g = grad((x: Tensor) => x.square().sum())(tensor([1, 2]));
    expect(g.dtype).toBe('float32');
    expect(g.toArray()).toEqual([2, 4]);
  });
});

describe('the contract: independence, no .grad, plain results', () => {
  test('calls do not accumulate: two calls give bitwise equal results', () => {
    const f = grad((x: Tensor) => x.sin().mul(x).sum());
    const x = random([5]);
    expect(Array.from(f(x).data())).toEqual(Array.from(f(x).data()));
  });

  test("a user leaf's .grad stays null, and the argument is not changed", () => {
    const w = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const before = w.toArray();
    const g = grad((x: Tensor) => x.pow(3).sum())(w);
    expectClose(g, f64([3, 12, 27]));
    expect(w.grad).toBeNull();
    expect(w.toArray()).toEqual(before);
    const [, vjpFn] = vjp((x: Tensor) => x.exp(), w);
    vjpFn(f64([1, 1, 1]));
    hessian((x: Tensor) => x.pow(3).sum())(w);
    expect(w.grad).toBeNull();
  });

  test('results at top level do not require grad', () => {
    const f = (x: Tensor): Tensor => x.pow(3).sum();
    const x = f64([1, 2]);
    const v = f64([1, -1]);
    const [value, g] = valueAndGrad(f)(x);
    const [y, vjpFn] = vjp((t: Tensor) => t.exp(), x);
    const [y2, tangent] = jvp((t: Tensor) => t.exp(), [x], [v]);
    const results = [
      grad(f)(x), value, g, y, ...vjpFn(v), y2, tangent, jacobian((t: Tensor) => t.exp())(x), hessian(f)(x),
      ...hvp(f, [x], [v]),
    ];
    for (const r of results) {
      expect(r.requiresGrad).toBe(false);
      expect(r.isLeaf).toBe(true);
    }
    expect(x.requiresGrad).toBe(false);
  });

  test('grad inside noGrad still works, and its results are plain', () => {
    const x = f64([1, 2, 3]);
    const g = noGrad(() => grad((t: Tensor) => t.pow(3).sum())(x));
    expectClose(g, f64([3, 12, 27]));
    expect(g.requiresGrad).toBe(false);
    const gg = noGrad(() => grad((t: Tensor) => grad((u: Tensor) => u.pow(3).sum())(t).sum())(x));
    expectClose(gg, f64([6, 12, 18]));
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const inNoGrad = noGrad(() => grad((t: Tensor) => t.pow(3).sum())(w));
    expect(inNoGrad.requiresGrad).toBe(false);
  });

  test('grad at a tensor that requires grad is recorded, so backward differentiates it further', () => {
    const w = tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const g = grad((x: Tensor) => x.pow(3).sum())(w); // 3w^2
    expect(g.requiresGrad).toBe(true);
    g.sum().backward();
    expectClose(w.grad!, f64([6, 12, 18]));
  });

  test('grad of a function that closes over a user parameter is differentiable with respect to it', () => {
    const c = tensor([2, 3], { dtype: 'float64', requiresGrad: true });
    const g = grad((x: Tensor) => x.mul(c).square().sum())(f64([1, -1])); // 2 x c^2
    expectClose(g, f64([8, -18]));
    g.sum().backward(); // d/dc sum(2 x c^2) = 4 x c
    expectClose(c.grad!, f64([8, -12]));
  });

  test('an argument that requires grad but is not differentiated keeps the result differentiable with respect to it', () => {
    const c = tensor([2, 3], { dtype: 'float64', requiresGrad: true });
    const g = grad((x: Tensor, k: Tensor) => x.mul(k).square().sum())(f64([1, -1]), c); // 2 x c^2
    expectClose(g, f64([8, -18]));
    g.sum().backward();
    expectClose(c.grad!, f64([8, -12]));
  });

  test("a transform under noGrad leaves a user's graph that f closes over intact", () => {
    const c = tensor([2, 3], { dtype: 'float64', requiresGrad: true });
    const z = c.mul(c); // recorded by the user, used by f below
    const g = noGrad(() => grad((x: Tensor) => x.mul(z).sum())(f64([1, -1])));
    expectClose(g, f64([4, 9]));
    expect(g.requiresGrad).toBe(false);
    expect(c.grad).toBeNull();
    z.sum().backward(); // would throw if the transform had released the user's graph
    expectClose(c.grad!, f64([4, 6]));
  });
});

describe('jacobian and hessian', () => {
  test('the jacobian of matmul(W, x) with respect to x is W', () => {
    const w = random([4, 3]);
    const x = random([3]);
    const j = jacobian((t: Tensor) => matmul(w, t))(x);
    expect(j.shape).toEqual([4, 3]);
    expectClose(j, w);
  });

  test('a rank-2 output and a rank-2 input give shape [...out, ...in]', () => {
    const w = random([2, 3]);
    const x = random([3, 4]);
    const j = jacobian((t: Tensor) => matmul(w, t))(x);
    expect(j.shape).toEqual([2, 4, 3, 4]);
    const values = j.data();
    const ws = w.data();
    for (let i = 0; i < 2; i++) {
      for (let a = 0; a < 4; a++) {
        for (let k = 0; k < 3; k++) {
          for (let b = 0; b < 4; b++) {
            expect(values[((i * 4 + a) * 3 + k) * 4 + b]).toBe(a === b ? ws[i * 3 + k] : 0);
          }
        }
      }
    }
  });

  test('an argnums array gives one jacobian per argument; a scalar output gives the input shape', () => {
    const a = random([3]);
    const b = random([3]);
    const [ja, jb] = jacobian((x: Tensor, y: Tensor) => x.mul(y), { argnums: [0, 1] })(a, b);
    expectClose(ja!, eye(3, { dtype: 'float64' }).mul(b));
    expectClose(jb!, eye(3, { dtype: 'float64' }).mul(a));
    const js = jacobian((x: Tensor) => x.square().sum())(random([2, 2]));
    expect(js.shape).toEqual([2, 2]);
  });

  test('the jacobian of a general function matches finite differences', () => {
    const w = random([2, 3]);
    const f = (x: Tensor): Tensor => matmul(w, x.sin()).mul(x.slice([0], [2]).square()).softmax();
    const x = random([3]);
    const j = jacobian(f)(x);
    expect(j.shape).toEqual([2, 3]);
    for (let i = 0; i < 2; i++) {
      const row = numericGrad((t) => f(t).slice([i], [i + 1]).sum(), x);
      expectClose(j.slice([i, 0], [i + 1, 3]).reshape([3]), row, 1e-8, 1e-6);
    }
  });

  test('the hessian of x^T A x is A + A^T', () => {
    const a = random([3, 3]);
    expect(a.sub(a.transpose()).abs().max().item()).toBeGreaterThan(0.1); // not symmetric
    const h = hessian((x: Tensor) => matmul(x, matmul(a, x)))(random([3]));
    expect(h.shape).toEqual([3, 3]);
    expectClose(h, a.add(a.transpose()));
  });

  test('the hessian of sum(sin(x)) is diag(-sin x), also for a rank-2 input', () => {
    const x = random([4]);
    expectClose(hessian((t: Tensor) => t.sin().sum())(x), eye(4, { dtype: 'float64' }).mul(x.sin().neg()));
    const x2 = random([2, 2]);
    const h2 = hessian((t: Tensor) => t.sin().sum())(x2);
    expect(h2.shape).toEqual([2, 2, 2, 2]);
    expectClose(h2.reshape([4, 4]), eye(4, { dtype: 'float64' }).mul(x2.reshape([4]).sin().neg()));
  });

  test('hessian with an argnums array gives the blocks', () => {
    const f = (x: Tensor, y: Tensor): Tensor => x.mul(y).sum().add(x.square().sum().mul(2));
    const x = random([2]);
    const y = random([2]);
    const blocks = hessian(f, { argnums: [0, 1] })(x, y);
    const i2 = eye(2, { dtype: 'float64' });
    expectClose(blocks[0]![0]!, i2.mul(4));
    expectClose(blocks[0]![1]!, i2);
    expectClose(blocks[1]![0]!, i2);
    expectClose(blocks[1]![1]!, zeros([2, 2], { dtype: 'float64' }));
  });

  test('jacobian(grad(f)) equals hessian(f), and jacobian(jacobian(f)) works', () => {
    const f = (x: Tensor): Tensor => x.tanh().mul(x.exp()).sum();
    const x = random([3]);
    expectClose(jacobian(grad(f))(x), hessian(f)(x), 0, 0);
    const jj = jacobian(jacobian((t: Tensor) => t.pow(3)))(x); // d^2 x_i^3 / dx_j dx_k = 6 x_i [i=j=k]
    expect(jj.shape).toEqual([3, 3, 3]);
    const xs = x.data();
    const values = jj.data();
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 3; k++) {
          expect(values[(i * 3 + j) * 3 + k]).toBeCloseTo(i === j && j === k ? 6 * xs[i]! : 0, 12);
        }
      }
    }
  });
});

describe('vjp, jvp and hvp', () => {
  const w = random([3, 4]);
  const f = (x: Tensor, y: Tensor): Tensor => matmul(w, x.sin()).mul(y.exp());
  const x = random([4]);
  const y = random([3]);

  test('vjp equals v^T J', () => {
    const v = random([3]);
    const [out, vjpFn] = vjp(f, x, y);
    expectClose(out, f(x, y));
    const [jx, jy] = jacobian(f, { argnums: [0, 1] })(x, y);
    const [dx, dy] = vjpFn(v);
    expectClose(dx!, matmul(v, jx!));
    expectClose(dy!, matmul(v, jy!));
  });

  test('vjpFn can be called many times; equal cotangents give bitwise equal results', () => {
    const [, vjpFn] = vjp(f, x, y);
    const v = random([3]);
    const first = vjpFn(v).map((t) => Array.from(t.data()));
    const other = vjpFn(v.mul(2)).map((t) => Array.from(t.data()));
    const second = vjpFn(v).map((t) => Array.from(t.data()));
    expect(second).toEqual(first);
    other[0]!.forEach((value, i) => expect(value).toBeCloseTo(2 * first[0]![i]!, 12));
  });

  test('jvp equals J t', () => {
    const tx = random([4]);
    const ty = random([3]);
    const [out, tangent] = jvp(f, [x, y], [tx, ty]);
    expectClose(out, f(x, y));
    const [jx, jy] = jacobian(f, { argnums: [0, 1] })(x, y);
    expectClose(tangent, matmul(jx!, tx).add(matmul(jy!, ty)));
  });

  test('jvp of a function that ignores its input is zeros', () => {
    const [, tangent] = jvp(() => f64([1, 2]), [x], [x]);
    expect(tangent.toArray()).toEqual([0, 0]);
  });

  test('hvp equals the hessian times v, per primal', () => {
    const g = (a: Tensor, b: Tensor): Tensor => f(a, b).sum().add(a.square().sum().mul(b.sum()));
    const va = random([4]);
    const vb = random([3]);
    const [ha, hb] = hvp(g, [x, y], [va, vb]);
    const blocks = hessian(g, { argnums: [0, 1] })(x, y);
    expectClose(ha!, matmul(blocks[0]![0]!, va).add(matmul(blocks[0]![1]!, vb)));
    expectClose(hb!, matmul(blocks[1]![0]!, va).add(matmul(blocks[1]![1]!, vb)));
    const [single] = hvp((t: Tensor) => t.sin().sum(), [x], [va]);
    expectClose(single!, matmul(hessian((t: Tensor) => t.sin().sum())(x), va));
  });
});

describe('composition', () => {
  test('grad(grad(f)) of sum(x^3) is 6x', () => {
    const df = grad((x: Tensor) => x.pow(3).sum());
    const d2f = grad((x: Tensor) => df(x).sum());
    const x = f64([1, -2, 0.5]);
    expectClose(d2f(x), f64([6, -12, 3]));
  });

  test('third derivative of sin on a scalar is -cos', () => {
    const x = f64(0.7);
    const d1 = grad((t: Tensor) => t.sin());
    const d2 = grad(d1);
    const d3 = grad(d2);
    expect(d1(x).item()).toBeCloseTo(Math.cos(0.7), 14);
    expect(d2(x).item()).toBeCloseTo(-Math.sin(0.7), 14);
    expect(d3(x).item()).toBeCloseTo(-Math.cos(0.7), 14);
    expect(grad(d3)(x).item()).toBeCloseTo(Math.sin(0.7), 14);
    expect(d3(x).shape).toEqual([]);
  });

  test('grad of an hvp and grad of a jvp', () => {
    const f = (x: Tensor): Tensor => x.pow(3).sum();
    const x = f64([1, 2, 3]);
    const v = f64([0.5, -1, 2]);
    // hvp = 6 x v; d/dx sum(6 x v) = 6 v
    expectClose(grad((t: Tensor) => hvp(f, [t], [v])[0]!.sum())(x), v.mul(6));
    // jvp of x^3 along v is 3 x^2 v; d/dx sum = 6 x v
    expectClose(grad((t: Tensor) => jvp((u: Tensor) => u.pow(3), [t], [v])[1].sum())(x), x.mul(v).mul(6));
    // d/dv of hvp sum: hvp is linear in v with matrix diag(6x)
    expectClose(grad((t: Tensor) => hvp(f, [x], [t])[0]!.sum())(v), x.mul(6));
  });

  test('jvp of grad (forward over reverse) equals the hessian-vector product', () => {
    const f = (x: Tensor): Tensor => x.tanh().mul(x.cos()).sum();
    const x = random([4]);
    const v = random([4]);
    const [, hv] = jvp(grad(f), [x], [v]);
    expectClose(hv, hvp(f, [x], [v])[0]!, 1e-12, 1e-10);
  });

  test('an inner transform never confuses its argument with the outer one (perturbation confusion)', () => {
    // d/dx [ d/dy sum(x * y) at y = x ] = d/dx sum(x) = 1, not 2
    const x = f64([1, 2, 3]);
    const g = grad((t: Tensor) => grad((u: Tensor) => t.mul(u).sum())(t).sum())(x);
    expectClose(g, f64([1, 1, 1]));
    // d/dx [ x * d/dy (x + y) ] = 1 (JAX's classic example)
    const h = grad((t: Tensor) => t.mul(grad((u: Tensor) => t.add(u).sum())(f64([5, 5, 5]))).sum())(x);
    expectClose(h, f64([1, 1, 1]));
  });

  test('an inner transform closing over the outer argument stays differentiable', () => {
    // inner: d/dx sum((x y)^2) = 2 x y^2; outer: d/dy sum(2 x y^2) = 4 x y
    const x0 = f64([1, -2]);
    const y0 = f64([3, 0.5]);
    const g = grad((y: Tensor) => grad((x: Tensor) => x.mul(y).square().sum())(x0).sum())(y0);
    expectClose(g, x0.mul(y0).mul(4));
  });

  test('grad(grad(f)) works through every kind of op (gradients match finite differences)', () => {
    const w = random([3, 3]);
    const f = (x: Tensor): Tensor =>
      matmul(w, x.tanh()).softmax().mul(x.sigmoid()).sum()
        .add(x.abs().add(1).log().sum())
        .add(x.reshape([3, 1]).expand([3, 2]).transpose().max(1).sum())
        .add(x.slice([1], [3]).sqrt().mean());
    const x = f64([0.3, 0.9, 1.7]);
    const second = (t: Tensor): Tensor => grad(f)(t).sum();
    expectClose(grad(second)(x), numericGrad((t) => grad(f)(t).sum(), x), 1e-7, 1e-6);
  });
});

describe('errors', () => {
  test('grad of a function whose output has more than one element', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    expect(() => grad((t: Tensor) => t.mul(2))(x)).toThrow('grad: f must return a one-element tensor, got shape [2,3]');
    expect(() => valueAndGrad((t: Tensor) => t.mul(2))(x)).toThrow('valueAndGrad: f must return a one-element tensor, got shape [2,3]');
    expect(() => hessian((t: Tensor) => t.mul(2))(x)).toThrow('hessian: f must return a one-element tensor, got shape [2,3]');
    expect(() => hvp((t: Tensor) => t.mul(2), [x], [x])).toThrow('hvp: f must return a one-element tensor, got shape [2,3]');
  });

  test('bad argnums name the transform and the values', () => {
    const f = (x: Tensor, y: Tensor): Tensor => x.mul(y).sum();
    const x = f64([1]);
    expect(() => grad(f, { argnums: 2 })(x, x)).toThrow('grad: argnums 2 is out of range for a call with 2 arguments');
    expect(() => grad(f, { argnums: -1 })(x, x)).toThrow('grad: argnums -1 is out of range for a call with 2 arguments');
    expect(() => jacobian(f, { argnums: [0, 3] })(x, x)).toThrow('jacobian: argnums [0,3] is out of range for a call with 2 arguments');
    expect(() => grad(f, { argnums: [0, 0] })).toThrow('grad: argnums [0,0] repeats 0');
    expect(() => valueAndGrad(f, { argnums: [1, 0, 1] })).toThrow('valueAndGrad: argnums [1,0,1] repeats 1');
    expect(() => grad(f, { argnums: 0.5 })).toThrow('grad: argnums must be an integer or an array of integers, got 0.5');
    expect(() => hessian(f, { argnums: [0, 1.5] })).toThrow('hessian: argnums must be an integer or an array of integers, got the array [0,1.5]');
  });

  test('bad arguments, tangents and cotangents', () => {
    const x = f64([1, 2]);
    expect(() => grad((t: Tensor) => t.sum())(3 as unknown as Tensor)).toThrow('grad: argument 0 must be a Tensor, got 3');
    expect(() => grad((() => 3) as unknown as (t: Tensor) => Tensor)(x)).toThrow('grad: f must return a Tensor, got 3');
    expect(() => jvp((t: Tensor) => t, [x], [f64([1, 2, 3])])).toThrow('jvp: tangent 0 has shape [3], but primal 0 has shape [2]');
    expect(() => hvp((t: Tensor) => t.sum(), [x], [])).toThrow('hvp: got 1 primals but 0 tangents; pass one tangent per primal');
    const [, vjpFn] = vjp((t: Tensor) => t.exp(), x);
    expect(() => vjpFn(f64([1]))).toThrow("vjp: cotangent of shape [1] does not match the output's shape [2]");
  });
});

describe('properties', () => {
  /** A float64 value in [lo, hi] built from an integer (uniform, unlike raw fc.double). */
  const value = (lo: number, hi: number) => fc.integer({ min: 0, max: 2 ** 24 }).map((i) => lo + ((hi - lo) * i) / 2 ** 24);
  const vector = (n: number) => fc.array(value(-1.5, 1.5), { minLength: n, maxLength: n });

  propTest.prop([fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.constant(n), vector(n * n), vector(n), vector(n)))])(
    'hvp equals a central difference of grad along the tangent',
    ([n, wValues, xValues, vValues]) => {
      const w = tensor(wValues, { dtype: 'float64', shape: [n, n] });
      const f = (x: Tensor): Tensor => matmul(w, x).tanh().mul(x.exp()).sum().add(x.sin().square().sum());
      const x = f64(xValues);
      const v = f64(vValues);
      const [hv] = hvp(f, [x], [v]);
      const h = 1e-5;
      const numeric = grad(f)(step(x, v, h)).sub(grad(f)(step(x, v, -h))).div(2 * h);
      expectClose(hv!, numeric, 1e-6, 1e-6);
    },
  );
});
