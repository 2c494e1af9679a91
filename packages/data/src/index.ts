/**
 * @nn/data: bundled datasets (digits, iris, breast cancer, the text of Genesis), a character
 * vocabulary, CSV reading, splits, encodings, datasets and loaders. Browser-safe; Node-only readers (loadMnist) live in '@nn/data/node'.
 */
export { loadDigits } from './datasets/digits.js';
export { loadIris, loadBreastCancer } from './datasets/tabular.js';
export { loadGenesis } from './datasets/genesis.js';
export type { LabelledData, LoadOptions } from './datasets/bundled.js';
export { CharVocabulary } from './char-vocabulary.js';
export { readCsv } from './csv.js';
export type { ReadCsvOptions, CsvTable } from './csv.js';
export { trainTestSplit } from './split.js';
export type { SplitOptions, Split } from './split.js';
export { oneHot, standardize } from './encode.js';
export type { Standardized } from './encode.js';
export { TensorDataset } from './dataset.js';
export type { Dataset, BatchDataset } from './dataset.js';
export { DataLoader, sampleBatches } from './loader.js';
export type { DataLoaderOptions } from './loader.js';
export { parseIdx } from './idx.js';
export type { IdxArray } from './idx.js';
