/**
 * Pipelines: several algorithms on one stream, offline or realtime, with results to callbacks and sinks,
 * a per-frame hook and recording. See `docs/pipelines.md`.
 */
export { createPipeline, Pipeline } from './pipeline.ts';
export type {
  Algorithm, AlgorithmContext, AlgorithmRegistration, AlgorithmReport, CollectFunction, FrameHook, HookContext, LatestResult,
  PipelineEvent, PipelineMode, PipelineOptions, PipelineReport, PipelineState, PlaybackSize, Position, RecordingReport, RecordOptions,
} from './types.ts';
export { type IsolatedAlgorithm, isolatedAlgorithm, type IsolatedSource } from './isolated.ts';
export { resultsOverlay, type ResultsOverlayOptions } from './results-overlay.ts';
