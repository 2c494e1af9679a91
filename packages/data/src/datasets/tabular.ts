/** The bundled tabular sets: iris (3 classes) and breast cancer (2 classes). */
import { IRIS_CSV } from './iris-data.js';
import { BREAST_CANCER_CSV } from './breast-cancer-data.js';
import { checkOptions } from '@nn/autograd';
import { LOAD_OPTIONS, parseLabelledCsv, toLabelledData, type LabelledData, type ParsedSet, type LoadOptions } from './bundled.js';

// Parsed on first use. No call at the top level: it would keep both texts in every bundle.
let iris: ParsedSet | undefined;
let breastCancer: ParsedSet | undefined;

/**
 * Fisher's iris (UCI "Iris"): `x` of shape [150, 4] (sepal length, sepal width, petal length,
 * petal width, in cm), `y` of shape [150], the species 0..2 (setosa, versicolor, virginica).
 */
export function loadIris(opts: LoadOptions = {}): LabelledData {
  checkOptions('loadIris', opts, LOAD_OPTIONS);
  return toLabelledData((iris ??= parseLabelledCsv(IRIS_CSV)), opts);
}

/**
 * Breast cancer diagnosis (UCI "Breast Cancer Wisconsin (Diagnostic)"): `x` of shape [569, 30], the
 * features of the cell nuclei, unscaled; `y` of shape [569], 0 malignant or 1 benign.
 */
export function loadBreastCancer(opts: LoadOptions = {}): LabelledData {
  checkOptions('loadBreastCancer', opts, LOAD_OPTIONS);
  return toLabelledData((breastCancer ??= parseLabelledCsv(BREAST_CANCER_CSV)), opts);
}
