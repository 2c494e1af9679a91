/**
 * The method forms of the ops (`x.exp()` for `exp(x)`), gathered for tensor.ts: `OpMethods` is the
 * type that Tensor's declaration merges in, `installOpMethods` puts the methods on its prototype.
 * Each family's file writes its methods beside its ops (see docs/contributing.md); a new family
 * with methods adds itself here, in both lists.
 *
 * The families are functions, not constants, because tensor.ts and the family files import each
 * other: whichever module loads first, a function declaration can be called before its module has
 * run, where reading a constant would throw. For the same reason a family's function returns a
 * plain object literal and calls nothing it imports (its methods read the free functions only
 * when they are called). `satisfies ThisType<Tensor>` types `this` in the methods.
 */
import { unaryMethods } from './unary.js';
import { binaryMethods } from './binary.js';
import { compareMethods } from './compare.js';
import { clampMethods } from './clamp.js';
import { reduceMethods } from './reduce.js';
import { viewMethods } from './view.js';
import { matmulMethods } from './matmul.js';
import { softmaxMethods } from './softmax.js';
import { scanMethods } from './scan.js';
import { reduceMoreMethods } from './reduce-more.js';
import { unaryMoreMethods } from './unary-more.js';
import { roundingMethods } from './rounding.js';

/** Every op method, each declared (with its TSDoc) in its family's file. */
export type OpMethods = ReturnType<typeof unaryMethods> &
  ReturnType<typeof binaryMethods> &
  ReturnType<typeof compareMethods> &
  ReturnType<typeof clampMethods> &
  ReturnType<typeof reduceMethods> &
  ReturnType<typeof viewMethods> &
  ReturnType<typeof matmulMethods> &
  ReturnType<typeof softmaxMethods> &
  ReturnType<typeof scanMethods> &
  ReturnType<typeof reduceMoreMethods> &
  ReturnType<typeof unaryMoreMethods> &
  ReturnType<typeof roundingMethods>;

/** Every op method, by name. */
export function opMethods(): OpMethods {
  return {
    ...unaryMethods(),
    ...binaryMethods(),
    ...compareMethods(),
    ...clampMethods(),
    ...reduceMethods(),
    ...viewMethods(),
    ...matmulMethods(),
    ...softmaxMethods(),
    ...scanMethods(),
    ...reduceMoreMethods(),
    ...unaryMoreMethods(),
    ...roundingMethods(),
  };
}

/** Puts every op method on `prototype`, not enumerable, as a class's own methods are. */
export function installOpMethods(prototype: object): void {
  for (const [name, method] of Object.entries(opMethods())) {
    Object.defineProperty(prototype, name, { value: method, writable: true, configurable: true });
  }
}
