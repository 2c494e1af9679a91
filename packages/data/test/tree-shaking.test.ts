/**
 * Each bundled dataset is tree-shaken away unless used: a program importing one loader from the
 * built @nn/data and bundled with esbuild holds that dataset and none of the others; one using only
 * the character vocabulary holds none.
 */
import { describe, expect, test } from 'vitest';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { BREAST_CANCER_CSV } from '../dist/datasets/breast-cancer-data.js';
import { DIGITS_BASE64 } from '../dist/datasets/digits-data.js';
import { IRIS_CSV } from '../dist/datasets/iris-data.js';
import { GENESIS_TEXT } from '../dist/datasets/genesis-data.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** A piece of each dataset's text that occurs nowhere else: its header line, or a run of its base64. */
const markers = {
  loadDigits: DIGITS_BASE64.slice(5000, 5080),
  loadIris: IRIS_CSV.split('\n')[0]!,
  loadBreastCancer: BREAST_CANCER_CSV.split('\n')[0]!,
  loadGenesis: GENESIS_TEXT.split('\n')[0]!,
};
type Loader = keyof typeof markers;

/**
 * `ignoreAnnotations` makes esbuild ignore the package's `"sideEffects": false` (and pure comments),
 * as a bundler that does not read it would: the datasets must then fall away by the code's shape alone.
 */
async function bundle(loader: Loader | 'CharVocabulary', ignoreAnnotations: boolean): Promise<string> {
  const use = loader === 'CharVocabulary' ? `new ${loader}('ab').size` : loader === 'loadGenesis' ? `${loader}().length` : `${loader}().x.shape`;
  const result = await build({
    stdin: { contents: `import { ${loader} } from '@nn/data';\nconsole.log(${use});\n`, resolveDir: root, loader: 'js' },
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    write: false,
    logLevel: 'silent',
    ignoreAnnotations,
  });
  return result.outputFiles[0]!.text;
}

describe('tree shaking of the bundled datasets', () => {
  test('the markers are distinct pieces of each dataset', () => {
    expect(markers.loadIris).toBe('150,4,setosa,versicolor,virginica');
    expect(markers.loadBreastCancer).toBe('569,30,malignant,benign');
    expect(markers.loadDigits).toMatch(/^[A-Za-z0-9+/]{80}$/);
    expect(markers.loadGenesis).toBe('In the beginning God created the heaven and the earth.');
  });

  const cases = (Object.keys(markers) as Loader[]).flatMap((loader) => [false, true].map((ignore) => [loader, ignore] as const));
  test.each(cases)('a program importing only %s bundles only its data (ignoring sideEffects: %s)', async (loader, ignoreAnnotations) => {
    const code = await bundle(loader, ignoreAnnotations);
    for (const [other, marker] of Object.entries(markers)) {
      expect(code.includes(marker), `${other}'s data in a bundle of ${loader}`).toBe(other === loader);
    }
  });

  test.each([false, true])('a program using only CharVocabulary bundles no dataset (ignoring sideEffects: %s)', async (ignoreAnnotations) => {
    const code = await bundle('CharVocabulary', ignoreAnnotations);
    expect(code).toContain('CharVocabulary');
    for (const [other, marker] of Object.entries(markers)) expect(code.includes(marker), `${other}'s data in a bundle of CharVocabulary`).toBe(false);
  });
});
