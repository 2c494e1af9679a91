/**
 * Every example runs, as a user runs it (the compiled script under node), and prints what its
 * header promises. `npm test` builds them first.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function runExample(name: string, args: string[] = []): string {
  return execFileSync(process.execPath, [`build/examples/${name}.js`, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
}

describe('examples', () => {
  test('seed-gradient-step: the worked example of the course notes', () => {
    const out = runExample('seed-gradient-step');
    expect(out).toContain('prediction 11');
    expect(out).toContain('error 5');
    expect(out).toContain('gradient of the squared error (2 * input * error): [30,40]');
    expect(out).toContain('after one step: weights [0.7,1.6], error 2.5');
    const history = [...out.matchAll(/update +\d+: (\S+)/g)].map((m) => Number(m[1]));
    expect(history).toHaveLength(20);
    expect(history[0]).toBe(25);
    // Each step halves the error here, so the squared error falls by 4 per update.
    history.slice(1).forEach((mse, i) => expect(mse / history[i]!).toBeCloseTo(0.25, 3));
  });

  test('micrograd: a scalar MLP learns two moons', () => {
    const out = runExample('micrograd', ['12']);
    const losses = [...out.matchAll(/loss (\S+), accuracy (\S+)%/g)].map((m) => ({ loss: Number(m[1]), accuracy: Number(m[2]) }));
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect(losses.at(-1)!.loss).toBeLessThan(losses[0]!.loss / 3);
    expect(losses.at(-1)!.accuracy).toBeGreaterThan(85);
  });

  test("hessian: Newton's method with grad and hessian reaches the Rosenbrock minimum (1, 1)", () => {
    const out = runExample('hessian');
    const norms = [...out.matchAll(/step +\d+: .*\|grad\| (\S+)/g)].map((m) => Number(m[1]));
    expect(norms.length).toBeGreaterThan(1);
    expect(norms.length).toBeLessThanOrEqual(20);
    expect(norms.at(-1)!).toBeLessThan(1e-12);
    const final = /minimum at \[(\S+), (\S+)\]/.exec(out);
    expect(final).not.toBeNull();
    expect(Math.abs(Number(final![1]) - 1)).toBeLessThan(1e-10);
    expect(Math.abs(Number(final![2]) - 1)).toBeLessThan(1e-10);
  });

  test('custom-op: a custom op verified by gradcheck, a property test, and a planted bug caught', () => {
    const out = runExample('custom-op');
    expect(out).toMatch(/^gradcheck passed: inputs 0: \[5\]/m);
    expect(out).toMatch(/^gradgradcheck passed/m);
    expect(out).toContain('property: softplus passed gradcheck and gradgradcheck on 50 random tensors');
    expect(out).toContain('softplus(1000) = 1000');
    expect(out).toContain('buggy version: ok = false');
    expect(out).toMatch(/gradcheck failed: 5 Jacobian entries differ for input 0/);
  });
});
