/** The safetensors files and JSON that test/fixtures/safetensors.py wrote with Python's safetensors. */
import { readFileSync } from 'node:fs';

const dir = new URL('../../../test/fixtures/safetensors/', import.meta.url);

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';
export interface Encoded {
  shape: number[];
  data: JsonNumber[];
}

export const fixtureBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));
export const fixtureJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;
export const fixturePath = (name: string): string => new URL(name, dir).pathname;

/** A JSON value back to the number it stands for. */
export const toNumber = (v: JsonNumber): number => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);
