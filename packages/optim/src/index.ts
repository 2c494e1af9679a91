/**
 * @nn/optim: optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) with PyTorch's update rules,
 * learning-rate schedulers, and gradient clipping, for the parameters of @nn/autograd.
 */
export { Optimizer } from './optimizer.js';
export type { BaseOptions, ParamGroup } from './optimizer.js';
export type { ParamGroupInput, ParamsInput } from './param-groups.js';
export { ParamState } from './state.js';
export type { OptimizerStateDict, ParamStateDict, ParamGroupStateDict } from './state.js';
export type { OptionRule, OptionSpec, OptionValue } from './options.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions } from './rmsprop.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions } from './adagrad.js';
export { LRScheduler } from './schedulers/scheduler.js';
export type { SchedulerStateDict } from './schedulers/scheduler.js';
export { StepLR } from './schedulers/step-lr.js';
export type { StepLROptions } from './schedulers/step-lr.js';
export { MultiStepLR } from './schedulers/multi-step-lr.js';
export type { MultiStepLROptions } from './schedulers/multi-step-lr.js';
export { ExponentialLR } from './schedulers/exponential-lr.js';
export type { ExponentialLROptions } from './schedulers/exponential-lr.js';
export { CosineAnnealingLR } from './schedulers/cosine-annealing-lr.js';
export type { CosineAnnealingLROptions } from './schedulers/cosine-annealing-lr.js';
export { LinearLR } from './schedulers/linear-lr.js';
export type { LinearLROptions } from './schedulers/linear-lr.js';
export { ReduceLROnPlateau } from './schedulers/reduce-lr-on-plateau.js';
export type { ReduceLROnPlateauOptions, ReduceLROnPlateauStateDict } from './schedulers/reduce-lr-on-plateau.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export type { ClipGradNormOptions } from './clip.js';
