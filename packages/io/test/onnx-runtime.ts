/**
 * The tests' bridge to ONNX Runtime (onnxruntime-node, a dev dependency): export a module, run the
 * model in ONNX Runtime, and compare with our forward in float32 (rtol 1e-4, atol 1e-5). A model
 * that ONNX Runtime rejects fails with ONNX Runtime's own message.
 */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { noGrad, type Tensor } from '@nn/autograd';
import type { Module } from '@nn/layers';
import { exportOnnx, type ExportOnnxOptions } from '@nn/io';

export const RTOL = 1e-4;
export const ATOL = 1e-5;

/** An inference session for the model's bytes; ONNX Runtime's error, prefixed with `label`, if it rejects them. */
export async function sessionOf(bytes: Uint8Array, label: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes);
  } catch (error) {
    throw new Error(`ONNX Runtime rejected the model of ${label}: ${(error as Error).message}`, { cause: error });
  }
}

/** Runs the session on one input tensor; returns the named output's values and shape. */
export async function runSession(session: ort.InferenceSession, x: Tensor, inputName = 'input', outputName = 'output'): Promise<{ data: Float32Array | Int32Array; dims: readonly number[] }> {
  const data = x.dtype === 'int32' ? (x.data() as Int32Array) : Float32Array.from(x.data());
  const feeds = { [inputName]: new ort.Tensor(x.dtype === 'int32' ? 'int32' : 'float32', data, [...x.shape]) };
  const out = (await session.run(feeds))[outputName];
  if (out === undefined) throw new Error(`the model has no output '${outputName}'`);
  return { data: out.data as Float32Array, dims: out.dims };
}

/** Our forward (eval mode, no grad) on `x`. */
export function ourForward(module: Module, x: Tensor): Tensor {
  module.eval();
  return noGrad(() => module.forward(x));
}

/** Expects ONNX Runtime's values to match ours: same shape, |a - b| <= atol + rtol |b| everywhere. */
export function expectClose(label: string, got: { data: ArrayLike<number>; dims: readonly number[] }, ours: Tensor): void {
  expect(got.dims, `${label}: output shape`).toEqual(ours.shape);
  const want = ours.data();
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got.data[i]! - want[i]!) - (ATOL + RTOL * Math.abs(want[i]!));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${label}: ONNX Runtime gives ${got.data[worst]} at flat index ${worst}, ours ${want[worst]} (rtol ${RTOL}, atol ${ATOL})`);
  }
}

/**
 * Exports `module` on `inputs[0]` and checks ONNX Runtime against our forward on every input (with
 * `dynamicBatch`, inputs of several batch sizes). Returns the model's bytes.
 */
export async function expectAgreement(label: string, module: Module, inputs: readonly Tensor[], opts: ExportOnnxOptions = { dynamicBatch: true }): Promise<Uint8Array> {
  const bytes = exportOnnx(module, inputs[0]!, opts);
  const session = await sessionOf(bytes, label);
  for (const x of inputs) {
    const got = await runSession(session, x, opts.inputName, opts.outputName);
    expectClose(`${label} at input shape [${x.shape.join(', ')}]`, got, ourForward(module, x));
  }
  await session.release();
  return bytes;
}
