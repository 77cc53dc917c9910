/**
 * framepipe as a benchmark subject: one timed run from `openVideo` to `close()` (worker start and probing
 * included) with a no-op consumer that keeps only each frame's index and pts for verification.
 *
 * @example
 * ```ts
 * const run = await framepipeRun(path, { sampling: { every: 30 }, output: { width: 224, height: 224 } });
 * checkIndices(run.indices, expected); // null when exact
 * ```
 */
import { type DecodeStats, type OpenVideoOptions, openVideo, type SourceInput } from '../src/index.ts';

/** One finished run. */
export interface FramepipeRun {
  seconds: number;
  /** Frames delivered (also when not recorded). */
  delivered: number;
  /** Index of the last frame delivered, -1 when none. */
  lastIndex: number;
  indices: number[];
  pts: number[];
  /** Pixel bytes delivered. */
  bytes: number;
  stats: DecodeStats | null;
  fps: number | null;
  frameCount: number | null;
}

/** Options of {@link framepipeRun}. */
export interface RunMode {
  /** Deliver with `video.batches(n)` instead of `video.frames()`. */
  batchSize?: number;
  /** Called with the share of expected frames delivered so far (0–1) after each frame or batch. */
  onProgress?: (delivered: number) => void;
  /**
   * Keep each frame's index and pts (default true). false keeps only the count and the last index, so a
   * long run's memory is not the benchmark's own arrays growing.
   */
  record?: boolean;
}

/** Opens `source`, consumes every frame (or batch) without touching the pixels, closes, and times it all. */
export async function framepipeRun(source: SourceInput, options: OpenVideoOptions, mode: RunMode = {}): Promise<FramepipeRun> {
  const start = process.hrtime.bigint();
  const video = await openVideo(source, options);
  const indices: number[] = [];
  const pts: number[] = [];
  const record = mode.record !== false;
  let delivered = 0;
  let lastIndex = -1;
  let bytes = 0;
  const take = (index: number, ptsSeconds: number) => {
    if (index <= lastIndex) throw new Error(`frame ${index} delivered after frame ${lastIndex}`);
    lastIndex = index;
    delivered++;
    if (!record) return;
    indices.push(index);
    pts.push(ptsSeconds);
  };
  try {
    if (mode.batchSize) {
      for await (const batch of video.batches(mode.batchSize)) {
        for (const f of batch.frames) take(f.index, f.ptsSeconds);
        bytes += batch.data.byteLength;
        mode.onProgress?.(delivered);
      }
    } else {
      for await (const frame of video.frames()) {
        take(frame.index, frame.ptsSeconds);
        bytes += frame.data.byteLength;
        mode.onProgress?.(delivered);
      }
    }
  } finally {
    await video.close();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, delivered, lastIndex, indices, pts, bytes, stats: video.stats, fps: video.info.fps, frameCount: video.info.frameCount };
}

/** Returns null when `actual` equals `expected`, else a short description of the first difference. */
export function checkIndices(actual: readonly number[], expected: readonly number[]): string | null {
  if (actual.length !== expected.length) return `${actual.length} frames delivered, expected ${expected.length}`;
  const i = actual.findIndex((v, k) => v !== expected[k]);
  return i < 0 ? null : `frame #${i} has index ${actual[i]}, expected ${expected[i]}`;
}

/** Returns null when every pts equals index / fps within 1 µs, else the first mismatch. */
export function checkPts(indices: readonly number[], pts: readonly number[], fps: number): string | null {
  const i = indices.findIndex((index, k) => Math.abs((pts[k] as number) - index / fps) > 1e-6);
  return i < 0 ? null : `frame ${indices[i]} has ptsSeconds ${pts[i]}, expected ${(indices[i] as number) / fps}`;
}

/** `[start, start+step, …]` below `end`. */
export function range(start: number, end: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i += step) out.push(i);
  return out;
}

/** Decode counters of a run, for the notes column. */
export function statsNote(run: FramepipeRun): string {
  const s = run.stats;
  if (!s) return '';
  return `decoded ${s.framesDecoded} frames (${s.packetsDecoded} packets), ${s.seeks} seeks`;
}
