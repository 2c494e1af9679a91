/** The bundled tabular sets: iris (3 classes) and breast cancer (2 classes). */
import { IRIS_CSV } from './iris-data.js';
import { BREAST_CANCER_CSV } from './breast-cancer-data.js';
import { checkOptions } from '@nn/autograd';
import { lazily, LOAD_OPTIONS, parseLabelledCsv, toLabelledData, type LabelledData, type LoadOptions } from './bundled.js';

const parseIris = lazily(() => parseLabelledCsv(IRIS_CSV));
const parseBreastCancer = lazily(() => parseLabelledCsv(BREAST_CANCER_CSV));

/**
 * Fisher's iris (UCI "Iris"): `x` of shape [150, 4] (sepal length, sepal width, petal length,
 * petal width, in cm), `y` of shape [150], the species 0..2 (setosa, versicolor, virginica).
 */
export function loadIris(opts: LoadOptions = {}): LabelledData {
  checkOptions('loadIris', opts, LOAD_OPTIONS);
  return toLabelledData(parseIris(), opts);
}

/**
 * Breast cancer diagnosis (UCI "Breast Cancer Wisconsin (Diagnostic)"): `x` of shape [569, 30], the
 * features of the cell nuclei, unscaled; `y` of shape [569], 0 malignant or 1 benign.
 */
export function loadBreastCancer(opts: LoadOptions = {}): LabelledData {
  checkOptions('loadBreastCancer', opts, LOAD_OPTIONS);
  return toLabelledData(parseBreastCancer(), opts);
}
