/** Generator.getState / setState: a saved state continues the stream exactly, on any generator. */
import { describe, expect, test } from 'vitest';
import { Generator, globalGenerator, manualSeed, randn } from '@nn/autograd';

describe('Generator state', () => {
  test('setState(getState()) continues with the same numbers, the kept normal sample included', () => {
    const g = new Generator(7);
    g.normal(); // leaves the second sample of the pair kept back
    const state = g.getState();
    expect(state.spareNormal).not.toBeNull();
    const expected = [g.normal(), g.uniform(), g.nextUint32(), g.normal()];
    const other = new Generator(123);
    other.setState(state);
    expect([other.normal(), other.uniform(), other.nextUint32(), other.normal()]).toEqual(expected);
  });

  test('the state is a copy and survives JSON', () => {
    const g = new Generator(1);
    const state = g.getState();
    g.uniform();
    const restored = new Generator(2);
    restored.setState(JSON.parse(JSON.stringify(state)));
    const fresh = new Generator(1);
    expect(restored.uniform()).toBe(fresh.uniform());
  });

  test('the global generator: randn after setState repeats', () => {
    manualSeed(5);
    randn([3]);
    const state = globalGenerator.getState();
    const first = randn([4]).toArray();
    globalGenerator.setState(state);
    expect(randn([4]).toArray()).toEqual(first);
  });

  test('a malformed state throws naming what is wrong and changes nothing', () => {
    const g = new Generator(3);
    const before = g.getState();
    expect(() => g.setState(null as never)).toThrow('Generator.setState: expected { words, spareNormal } as getState() returns, got null');
    expect(() => g.setState({ words: [1, 2, 3], spareNormal: null } as never)).toThrow('Generator.setState: words must be four integers in [0, 2^32 - 1]');
    expect(() => g.setState({ words: [1, 2, 3, 2 ** 32], spareNormal: null })).toThrow('Generator.setState: words must be four integers in [0, 2^32 - 1]');
    expect(() => g.setState({ words: [1, 2, 3, 4], spareNormal: NaN })).toThrow('Generator.setState: spareNormal must be a finite number or null');
    expect(g.getState()).toEqual(before);
  });
});
