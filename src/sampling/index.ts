/**
 * Pure frame-selection plans: which frames of a stream to deliver for given sampling options.
 * No I/O; the decode loop feeds a {@link Selector} runs of frames and asks where to seek next.
 */
export type { FrameRef, Selection, Selector, Timeline } from './types.ts';
export { createSelector } from './selector.ts';
export { describeSampling, MAX_AT_TIMES, MAX_SAMPLING_FPS, validateSampling } from './validate.ts';
export { MANIFEST_ENTRY_LIMIT } from './manifest.ts';
export { TIME_TOLERANCE_SECONDS } from './time.ts';
