/**
 * The seedable random number generator behind rand, randn, initializers, dropout and shuffling.
 *
 * The algorithm is sfc32 (Chris Doty-Humphrey's "small fast chaotic" generator, 128 bits of state),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Normal samples use the
 * Box-Muller transform and keep the second value of each pair for the next call, so a given seed
 * yields one fixed sequence of numbers on every platform.
 */
import { describeValue } from './describe-value.js';

/**
 * A generator's whole state as plain data (what `getState` returns and `setState` takes): the four
 * 32-bit words of sfc32 and the normal sample kept back from the last Box-Muller pair. A checkpoint
 * stores it so that a resumed run draws the same numbers as one that never stopped.
 */
export interface GeneratorState {
  /** sfc32's state words a, b, c, d, each an integer in [0, 2^32 - 1]. */
  words: [number, number, number, number];
  /** The second sample of the last normal pair, not yet returned, or null. */
  spareNormal: number | null;
}

export class Generator {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spareNormal: number | null = null;

  /** A generator seeded with `seed` (see `seed`); without one, with the clock's milliseconds. */
  constructor(seed: number = Date.now() % 2 ** 32) {
    this.restart(checkSeed(seed, 'Generator'));
  }

  /**
   * Restarts the stream from `seed`: an integer in [0, 2^32 - 1], the 32 bits the seeding reads.
   * Anything else throws, rather than aliasing another seed (1.5 or 2^32 + 1 would read as 1).
   */
  seed(seed: number): void {
    this.restart(checkSeed(seed, 'Generator.seed'));
  }

  /** The generator's state, a copy: `setState` of it continues the stream from exactly here. */
  getState(): GeneratorState {
    return { words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0], spareNormal: this.spareNormal };
  }

  /**
   * Continues from a state that `getState` returned (of this generator or another): the next
   * numbers are those that followed it. A malformed state throws, naming what is wrong, and
   * leaves the generator as it was.
   */
  setState(state: GeneratorState): void {
    const given: unknown = state;
    const fail = (what: string): never => {
      throw new Error(`Generator.setState: ${what}, got ${describeValue(given)}`);
    };
    if (given === null || typeof given !== 'object') return fail('expected { words, spareNormal } as getState() returns');
    const { words, spareNormal } = given as { words?: unknown; spareNormal?: unknown };
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= MAX_SEED)) {
      fail('words must be four integers in [0, 2^32 - 1]');
    }
    if (spareNormal !== null && (typeof spareNormal !== 'number' || !Number.isFinite(spareNormal))) fail('spareNormal must be a finite number or null');
    const [a, b, c, d] = words as number[];
    this.a = a! | 0;
    this.b = b! | 0;
    this.c = c! | 0;
    this.d = d! | 0;
    this.spareNormal = spareNormal as number | null;
  }

  private restart(seed: number): void {
    let state = seed;
    const splitmix32 = (): number => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = splitmix32();
    this.b = splitmix32();
    this.c = splitmix32();
    this.d = splitmix32();
    this.spareNormal = null;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A standard normal sample (mean 0, standard deviation 1). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

/** The largest seed: a seed is the 32-bit state that splitmix32 starts from. */
const MAX_SEED = 2 ** 32 - 1;

/** Returns `seed` when a generator can start from it (an integer in [0, 2^32 - 1]), else throws naming `fnName`. */
function checkSeed(seed: unknown, fnName: string): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new Error(`${fnName}: seed must be an integer in [0, 2^32 - 1] (a generator's seed has 32 bits), got ${describeValue(seed)}`);
  }
  return seed;
}

/** The generator used when no `rng` option is given. */
export const globalGenerator = new Generator(0x5eed);

/**
 * Reseeds the global generator, making `rand`, `randn` and everything else that draws from it
 * reproducible bit for bit. `seed` is an integer in [0, 2^32 - 1]; anything else throws.
 */
export function manualSeed(seed: number): void {
  globalGenerator.seed(checkSeed(seed, 'manualSeed'));
}

/**
 * The generator an `rng` option names: `rng` itself when it is a Generator, the global generator
 * when it is undefined; anything else throws an error naming `fnName` and the value. Every
 * function of the @nn packages that takes an `rng` option reads it through this.
 *
 * ```ts
 * const rng = checkGenerator('DataLoader', opts.rng);
 * ```
 */
export function checkGenerator(fnName: string, rng: unknown): Generator {
  if (rng === undefined) return globalGenerator;
  if (!(rng instanceof Generator)) throw new Error(`${fnName}: rng must be a Generator, got ${describeValue(rng)}`);
  return rng;
}
