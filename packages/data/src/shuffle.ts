/** A seeded shuffle: Fisher-Yates driven by the library's generator, so a seed fixes the order. */
import type { Generator } from '@nn/autograd';

/** Shuffles `items` in place with `rng`, and returns it. */
export function shuffleInPlace<T>(items: T[], rng: Generator): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** 0, 1, ..., n - 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
