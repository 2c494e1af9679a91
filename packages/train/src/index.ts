/**
 * @nn/train: Keras-style training. `new Model(net)`, then `compile`, `fit`, `evaluate`, `predict`;
 * metrics, callbacks (EarlyStopping, LearningRateScheduler, TerminateOnNaN, ModelCheckpoint), model files
 * (`save` / `load`, or `toBytes` / `fromBytes` in a browser), progress output, and SVG plots.
 */
export { Model } from './model.js';
export type { CompileOptions, FitOptions, EvaluateOptions, OptimizerName, LoadModelOptions } from './model.js';
export { ModelCheckpoint, formatCheckpointPath } from './model-checkpoint.js';
export type { ModelCheckpointOptions } from './model-checkpoint.js';
export { History } from './history.js';
export { EarlyStopping, LearningRateScheduler } from './callbacks.js';
export type { Callback, Logs, TrainingTarget, EarlyStoppingOptions, SchedulerLike } from './callbacks.js';
export { TerminateOnNaN } from './terminate-on-nan.js';
export type { TerminateOnNaNOptions } from './terminate-on-nan.js';
export { makeLoss, LOSS_NAMES } from './keras-losses.js';
export type { LossFn, LossName, LossSpec } from './keras-losses.js';
export { makeMetric, accuracyKind, METRIC_NAMES } from './metrics.js';
export type { Metric, MetricName, MetricContext } from './metrics.js';
export { Progress, defaultSink } from './progress.js';
export type { ProgressSink, Verbosity } from './progress.js';
export { lineChart, plotHistory, ticks } from './svg.js';
export type { Series, ChartOptions } from './svg.js';
