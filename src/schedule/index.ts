/**
 * Pure scheduling policies: which registered algorithm runs on which window of buffered frames, offline
 * (media time only, every frame considered) and realtime (explicit wall times, drops counted by cause),
 * plus target-fps playback selection. No I/O, no timers; see `docs/scheduling.md`.
 */
export type { Drop, DropCause, Due, Registration, AlgorithmStats, ScheduleFrame, ScheduleOptions, ScheduleStats } from './types.ts';
export { DROP_CAUSES } from './types.ts';
export { requiredBufferFrames, validateSchedule } from './validate.ts';
export { SCHEDULE_TOLERANCE_SECONDS } from './clock.ts';
export { createSchedule } from './offline.ts';
export type { Schedule } from './offline.ts';
export { createRealtimePolicy } from './realtime.ts';
export type { RealtimeAlgorithmStats, RealtimeDecisions, RealtimePolicy, RealtimeStats } from './realtime.ts';
export { LatencyHistogram } from './latency.ts';
export type { LatencySummary } from './latency.ts';
export { createPlaybackSelector, selectForPlayback } from './playback.ts';
export type { PlaybackFrame, PlaybackOptions, PlaybackSelector } from './playback.ts';
