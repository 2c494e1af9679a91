/**
 * @nn/io: files for @nn. The safetensors format (Hugging Face's, what PyTorch users exchange weights
 * in: no code runs on load) on bytes, so it works in browsers; `@nn/io/node` adds the file functions.
 */
export { encodeSafetensors } from './encode.js';
export { decodeSafetensors, type DecodeOptions, type DecodedSafetensors } from './decode.js';
export type { SafetensorsDtype } from './dtypes.js';
export { encodeCheckpoint, decodeCheckpoint, restoreCheckpoint, CHECKPOINT_FORMAT } from './checkpoint.js';
export type {
  CheckpointContents,
  CheckpointTargets,
  RestoredCheckpoint,
  DecodedCheckpoint,
  CheckpointModel,
  CheckpointOptimizer,
  CheckpointOptimizerState,
  CheckpointParamState,
  CheckpointScheduler,
} from './checkpoint.js';
export type { CheckpointValue } from './checkpoint-json.js';
export { exportOnnx, SUPPORTED_OPSETS } from './onnx/export.js';
export type { ExportOnnxOptions } from './onnx/export.js';
