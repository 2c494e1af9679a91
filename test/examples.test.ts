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
});
