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
    expect(Object.keys(manifest.exports as object)).toEqual(['.', './testing', './node', './wasm']);
    // Only the Node entry does something on import (it reads NN_NUM_THREADS).
    expect(manifest.sideEffects).toEqual(['./dist/node.js']);
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
    // The Node entry finds its worker script inside the installed package and runs a product on two threads.
    writeFileSync(
      join(project, 'threads.js'),
      "import { matmul, ones, setBackend } from '@nn/autograd';\n" +
        "import { getNumThreads, setNumThreads } from '@nn/autograd/node';\n" +
        "setBackend('wasm');\n" +
        'await setNumThreads(2);\n' +
        'const product = matmul(ones([512, 512]), ones([512, 512]));\n' +
        'console.log(getNumThreads(), product.sum().item());\n' +
        'await setNumThreads(1);\n',
    );
    expect(execFileSync(process.execPath, ['threads.js'], { cwd: project, encoding: 'utf8' }).trim()).toBe(`2 ${512 ** 3}`);
  });
});

describe('every package, packed and installed together', () => {
  const names = ['autograd', 'layers', 'optim', 'data', 'train'];
  const manifests = names.map((name) => JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as Record<string, Record<string, string>>);

  test('runtime dependencies are only @nn packages; every package is side-effect free (but for Node entries) and declares engines', () => {
    manifests.forEach((m) => {
      Object.keys(m.dependencies ?? {}).forEach((dep) => expect(dep, `${m.name}`).toMatch(/^@nn\//));
      if ((m.name as unknown) !== '@nn/autograd') expect(m.sideEffects as unknown).toBe(false);
      expect(m.engines).toEqual({ node: '>=20' });
    });
  });

  test('a project that installs the five tarballs trains a model', () => {
    const tarballs = names.map((name) => npm(['pack', '--pack-destination', scratch], join(root, 'packages', name)).trim().split('\n').at(-1)!);
    const project = join(scratch, 'all');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer-all', private: true, type: 'module' }));
    npm(['install', ...tarballs.map((t) => join(scratch, t))], project);
    writeFileSync(
      join(project, 'main.js'),
      [
        "import { manualSeed } from '@nn/autograd';",
        "import { loadIris, trainTestSplit, standardize } from '@nn/data';",
        "import { Dense, ReLU, Sequential } from '@nn/layers';",
        "import { Model } from '@nn/train';",
        'manualSeed(0);',
        'const { x, y } = loadIris();',
        'const { xTrain, xTest, yTrain, yTest } = trainTestSplit(x, y, { testSize: 0.2, stratify: true });',
        'const scaler = standardize(xTrain);',
        'const model = new Model(new Sequential([new Dense(4, 16), new ReLU(), new Dense(16, 3)]));',
        "model.compile({ optimizer: 'adam', loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, metrics: ['accuracy'] });",
        'await model.fit(scaler.x, yTrain, { epochs: 60, batchSize: 16, verbose: 0 });',
        'console.log(model.evaluate(scaler.apply(xTest), yTest).accuracy);',
      ].join('\n'),
    );
    const accuracy = Number(execFileSync(process.execPath, ['main.js'], { cwd: project, encoding: 'utf8' }).trim());
    expect(accuracy).toBeGreaterThan(0.85);
  });
});
