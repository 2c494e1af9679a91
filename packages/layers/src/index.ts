/**
 * @nn/layers: modules, layers, losses and initializers on @nn/autograd, with PyTorch's semantics
 * (and names, where Keras's differ only in spelling). See docs/layers.md.
 */
export { Module, parameter, functionalCall } from './module.js';
export type { LoadStateDictOptions, ParameterQueryOptions, RegisterBufferOptions } from './module.js';
export { Dense } from './dense.js';
export type { DenseOptions } from './dense.js';
export { ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax, Identity, SiLU, Softplus, ELU, Mish } from './activations.js';
export type { GELUOptions } from './activations.js';
export { Dropout } from './dropout.js';
export type { DropoutOptions } from './dropout.js';
export { Flatten } from './flatten.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d } from './pooling.js';
export type { FlattenOptions } from './flatten.js';
export { LayerNorm } from './normalization.js';
export type { LayerNormOptions } from './normalization.js';
export { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
export type { BatchNormOptions, BatchNorm1dOptions, BatchNorm2dOptions } from './batch-norm.js';
export { GroupNorm } from './group-norm.js';
export type { GroupNormOptions } from './group-norm.js';
export { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from './conv.js';
export type { ConvLayerOptions, ConvTransposeLayerOptions } from './conv.js';
export { Sequential } from './sequential.js';
export { glorotUniform, glorotNormal, heUniform, heNormal, zeros, ones, computeFans } from './initializers.js';
export type { Initializer, InitializerOptions, InitializerTarget } from './initializers.js';
export { mseLoss, l1Loss, huberLoss, crossEntropy, nllLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits } from './losses.js';
export { crossEntropyOfLogits, crossEntropyOfProbabilities } from './fused-cross-entropy.js';
export type {
  Reduction,
  LossOptions,
  HuberLossOptions,
  NllLossOptions,
  CrossEntropyOptions,
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
} from './losses.js';
export { erf, normalCdf } from './special.js';
export { silu, softplus, elu, mish } from './activation-functions.js';
export type { SoftplusOptions, ELUOptions } from './activation-functions.js';
export { Embedding, embedding } from './embedding.js';
export type { EmbeddingOptions, EmbeddingFunctionOptions } from './embedding.js';
export { RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell } from './recurrent.js';
export type { RecurrentOptions, CellOptions } from './recurrent.js';
export { scaledDotProductAttention } from './attention.js';
export type { ScaledDotProductAttentionOptions } from './attention.js';
export { MultiheadAttention } from './multihead-attention.js';
export type { MultiheadAttentionOptions, MultiheadAttentionRunOptions, MultiheadAttentionResult } from './multihead-attention.js';
export { TransformerEncoderLayer, TransformerEncoder } from './transformer.js';
export type { TransformerEncoderLayerOptions, TransformerEncoderRunOptions, TransformerEncoderOptions } from './transformer.js';
