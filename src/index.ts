/**
 * framepipe: open any video source, get exactly the frames you ask for with their true timestamps.
 *
 * @example
 * ```ts
 * import { openVideo } from 'framepipe';
 * await using video = await openVideo('clip.mp4', { sampling: { every: 30 }, output: { width: 224, height: 224 } });
 * for await (const frame of video.frames()) console.log(frame.index, frame.ptsSeconds);
 * ```
 */
export { ERROR_CODES, type ErrorCode, FramepipeError, isFramepipeError, toFramepipeError } from './core/errors.ts';
export type * from './core/types.ts';
export type { HardwareAcceleration } from './decode/decoder.ts';
export type { BudgetOptions, DecodeOptions, OpenVideoOptions, VideoWarning } from './pipeline/options.ts';
export { openVideo, type RunOptions, Video } from './pipeline/video.ts';
export { type ExtractOptions, type ExtractSummary, extract, type NamedSource, type SourceSummary } from './pipeline/extract.ts';
export { outputForModel } from './pipeline/model-input.ts';
export { type ExtractEvent, type ExtractListener, httpProgress, type ProgressHook, progressEvents, type SourceProgress } from './pipeline/progress.ts';
export { defineModel, embeddingOf, type Model, type ModelBatch, type ModelFunction, type ModelInput, type SourcedFrameMeta } from './models/types.ts';
export * from './sinks/index.ts';
export * from './models/builtin/index.ts';
export * from './models/onnx/index.ts';
export * from './models/hf/index.ts';
export { plannedFrameCount } from './sampling/planned.ts';
export * from './schedule/index.ts';
export * from './runner/index.ts';
export * from './runner/config/index.ts';
export { IMAGENET_MEAN, IMAGENET_STD, loadModel, MODEL_SPEC_FORMS, type ModelFlags, type ModelSpecKind, modelSpecKind } from './models/spec.ts';
export * from './preprocess/overlay.ts';
export { type FilterPlan, planFilterGraph } from './preprocess/filter-graph.ts';
export type { FrameRef, Selection, Selector, Timeline } from './sampling/types.ts';
export { registerResolver, resolveSource } from './sources/index.ts';
export { createYoutubeResolver, youtubeResolver, type YoutubeCodec, type YoutubeResolverOptions } from './sources/youtube.ts';
export type { OpenableSource, ReconnectOptions, RetryOptions, SourceInput, SourceOptions, SourceResolver, SourceWarning } from './sources/types.ts';
