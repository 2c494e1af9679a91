/**
 * Each package installs and imports on its own: packed with `npm pack`, installed into an empty
 * project (no network needed: it has no dependencies), and used there.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'nn-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 120_000 });

describe('@nn/autograd as a package', () => {
  const packageDir = join(root, 'packages/autograd');
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<string, unknown>;

  test('has no runtime dependencies and declares its engines', () => {
    expect(manifest.dependencies ?? {}).toEqual({});
    // fast-check is needed only by the '@nn/autograd/testing' entry, and is optional.
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(['fast-check']);
    expect(manifest.peerDependenciesMeta).toEqual({ 'fast-check': { optional: true } });
    expect(Object.keys(manifest.exports as object)).toEqual(['.', './testing']);
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.engines).toEqual({ node: '>=20' });
  });

  test('installs from npm pack into an empty project (no fast-check) and computes a gradient', () => {
    const tarball = npm(['pack', '--pack-destination', scratch], packageDir).trim().split('\n').at(-1)!;
    const project = join(scratch, 'project');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    npm(['install', join(scratch, tarball)], project);
    writeFileSync(
      join(project, 'main.js'),
      "import { tensor } from '@nn/autograd';\n" +
        'const w = tensor([1, 2], { requiresGrad: true });\n' +
        'w.mul(tensor([3, 4])).sum().sub(6).square().backward();\n' +
        'console.log(JSON.stringify(w.grad.toArray()));\n',
    );
    expect(execFileSync(process.execPath, ['main.js'], { cwd: project, encoding: 'utf8' }).trim()).toBe('[30,40]');
  });
});
