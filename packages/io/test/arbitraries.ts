/** Random inputs of the encoder shared by the tests. */
import fc from 'fast-check';
import { tensor } from '@nn/autograd';

/** Random tensors: names (any string, also integer-like and non-ASCII), float32, float64 or int32, shapes with zeros. */
export const tensorsArb = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 3 }), fc.nat(20).map(String)).filter((n) => n !== '__metadata__'),
  fc.record({
    shape: fc.array(fc.nat(3), { maxLength: 3 }),
    dtype: fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const),
    seed: fc.array(fc.double(), { minLength: 27, maxLength: 27 }),
    integers: fc.array(fc.integer(), { minLength: 27, maxLength: 27 }),
  }).map(({ shape, dtype, seed, integers }) => {
    const size = shape.reduce((p, d) => p * d, 1);
    if (dtype === 'int32') return tensor(Int32Array.from(integers.slice(0, size)), { shape, dtype });
    return tensor(Float64Array.from(seed.slice(0, size)), { shape, dtype });
  }),
  { maxKeys: 6 },
);
