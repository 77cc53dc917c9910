/**
 * Opening an input with FFmpeg (synchronously: this runs inside the decode worker) and describing its
 * video stream as a {@link VideoInfo}.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  AV_NOPTS_VALUE,
  AV_PKT_DATA_DISPLAYMATRIX,
  AVCOL_RANGE_JPEG,
  AVCOL_RANGE_MPEG,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_VIDEO,
  AVSEEK_FLAG_BACKWARD,
  avGetCodecName,
  avGetPixFmtName,
  Dictionary,
  FormatContext,
  InputFormat,
  Log,
  AV_LOG_QUIET,
  AV_LOG_ERROR,
  AV_LOG_WARNING,
  type Stream,
} from 'node-av';
import { FramepipeError } from '../core/errors.ts';
import type { VideoInfo } from '../core/types.ts';
import { openError } from './ffmpeg-errors.ts';

/** Where and how to open an input; produced by the source layer. */
export interface InputSpec {
  url: string;
  format: string | null;
  ffmpegOptions: Record<string, string>;
  displayName: string;
  isLive: boolean;
}

/** An open input: the demuxer, its chosen video stream and the stream's description. */
export interface OpenedInput {
  formatContext: FormatContext;
  stream: Stream;
  info: VideoInfo;
  /** Seconds per unit of the stream's timestamps. */
  timeBaseSeconds: number;
}

/** FFmpeg's own console logging: quiet by default, since framepipe reports problems as errors and warnings. */
export function setFfmpegLogLevel(level: 'quiet' | 'error' | 'warning'): void {
  Log.setLevel(level === 'quiet' ? AV_LOG_QUIET : level === 'error' ? AV_LOG_ERROR : AV_LOG_WARNING);
}

/** Opens `spec` and selects its first video stream. Throws a catalog error on failure. */
export function openInput(spec: InputSpec): OpenedInput {
  const formatContext = new FormatContext();
  try {
    let format: InputFormat | null = null;
    if (spec.format) {
      format = InputFormat.findInputFormat(spec.format);
      if (!format) {
        throw new FramepipeError('ERR_INVALID_OPTIONS', `Unknown input format "${spec.format}"; remove the format option or use one FFmpeg knows (e.g. mp4, mpegts, v4l2).`, { details: { option: 'format', value: spec.format } });
      }
    }
    const options = Object.keys(spec.ffmpegOptions).length ? Dictionary.fromObject(spec.ffmpegOptions) : null;
    let ret = formatContext.openInputSync(spec.url, format, options);
    if (ret < 0) throw missingIndex(spec) ?? openError(ret, spec.displayName);
    ret = formatContext.findStreamInfoSync();
    if (ret < 0) throw missingIndex(spec) ?? openError(ret, spec.displayName);
    const stream = formatContext.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && s.codecpar.width > 0)
      ?? formatContext.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
    if (!stream) {
      throw new FramepipeError('ERR_NO_VIDEO_STREAM', `${spec.displayName} has no video stream (streams: ${describeStreams(formatContext)}).`, {
        details: { source: spec.displayName },
      });
    }
    const info = describe(formatContext, stream, spec);
    const tb = stream.timeBase;
    return { formatContext, stream, info, timeBaseSeconds: tb.num / tb.den };
  } catch (err) {
    closeInput(formatContext);
    throw err;
  }
}

/**
 * An ISO-BMFF file (MP4/MOV) whose top-level boxes hold no `moov` cannot be indexed: say so instead of
 * "invalid data". Only local files are walked (a few reads of box headers).
 */
function missingIndex(spec: InputSpec): FramepipeError | null {
  if (!spec.url.startsWith('/')) return null;
  let fd: number | null = null;
  try {
    fd = openSync(spec.url, 'r');
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(16);
    let offset = 0;
    let boxes = 0;
    while (offset + 8 <= size && boxes++ < 1000) {
      readSync(fd, header, 0, 16, offset);
      const type = header.toString('latin1', 4, 8);
      if (boxes === 1 && type !== 'ftyp') return null;
      if (type === 'moov') return null;
      let length = header.readUInt32BE(0);
      if (length === 1) length = Number(header.readBigUInt64BE(8));
      if (length < 8) break;
      offset += length;
    }
    return new FramepipeError('ERR_NO_INDEX', `${spec.displayName} is an MP4/MOV file without its index (no moov box): it was probably cut before the recording finished. Re-download it, or repair it with a tool such as untrunc.`, {
      details: { source: spec.displayName },
    });
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Returns an input positioned at the first frame. MP4/MOV seek exactly through their index; other
 * containers (MPEG-TS, Matroska without cues, …) may land slightly off, so they are reopened instead.
 */
export function rewind(input: OpenedInput, spec: InputSpec): OpenedInput {
  if (input.info.container.startsWith('mov,')) {
    const start = input.stream.startTime === AV_NOPTS_VALUE ? 0n : input.stream.startTime;
    if (input.formatContext.seekFrameSync(input.stream.index, start, AVSEEK_FLAG_BACKWARD) >= 0) return input;
  }
  closeInput(input.formatContext);
  const fresh = openInput(spec);
  return { ...fresh, info: input.info };
}

/** Closes the demuxer; safe to call twice. */
export function closeInput(formatContext: FormatContext): void {
  try {
    formatContext.closeInputSync();
  } catch {
    // Already closed or never opened: nothing to release.
  }
}

function describeStreams(fc: FormatContext): string {
  const kinds = fc.streams.map((s) => (s.codecpar.codecType === AVMEDIA_TYPE_AUDIO ? 'audio' : 'other'));
  return kinds.length ? kinds.join(', ') : 'none';
}

function rationalToNumber(r: { num: number; den: number }): number | null {
  return r.den > 0 && r.num > 0 ? r.num / r.den : null;
}

/** Clockwise rotation from the display matrix side data (FFmpeg stores the counter-clockwise angle). */
export function rotationOf(stream: Stream): 0 | 90 | 180 | 270 {
  const matrix = stream.codecpar.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX);
  if (!matrix || matrix.length < 36) return 0;
  const m0 = matrix.readInt32LE(0) / 65536;
  const m1 = matrix.readInt32LE(4) / 65536;
  const m3 = matrix.readInt32LE(12) / 65536;
  const m4 = matrix.readInt32LE(16) / 65536;
  const scale0 = Math.hypot(m0, m3);
  const scale1 = Math.hypot(m1, m4);
  if (scale0 === 0 || scale1 === 0) return 0;
  // av_display_rotation_get() returns the negation of this angle; FFmpeg's CLI rotates the picture
  // clockwise by exactly this angle (90 → transpose=clock), which is what a player shows.
  const degrees = (Math.atan2(m1 / scale1, m0 / scale0) * 180) / Math.PI;
  const clockwise = (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
  return clockwise as 0 | 90 | 180 | 270;
}

function seconds(value: bigint, tb: { num: number; den: number }): number | null {
  if (value === AV_NOPTS_VALUE) return null;
  return (Number(value) * tb.num) / tb.den;
}

function describe(fc: FormatContext, stream: Stream, spec: InputSpec): VideoInfo {
  const par = stream.codecpar;
  const rotation = rotationOf(stream);
  const swap = rotation === 90 || rotation === 270;
  const fps = rationalToNumber(stream.avgFrameRate);
  const nominalFps = rationalToNumber(stream.rFrameRate);
  const startSeconds = seconds(stream.startTime, stream.timeBase) ?? 0;
  const streamDuration = seconds(stream.duration, stream.timeBase);
  const containerDuration = fc.duration === AV_NOPTS_VALUE || fc.duration <= 0n ? null : Number(fc.duration) / 1e6;
  const durationSeconds = spec.isLive ? null : (streamDuration ?? containerDuration);
  const declaredFrames = Number(stream.nbFrames);
  const frameCount = !spec.isLive && declaredFrames > 0 ? declaredFrames : null;
  // The source layer marks inputs it cannot seek (HTTP without Range) with FFmpeg's own `seekable=0`.
  const seekable = !spec.isLive && spec.ffmpegOptions.seekable !== '0';
  return {
    source: spec.displayName,
    container: fc.iformat?.name ?? 'unknown',
    codec: avGetCodecName(par.codecId) ?? 'unknown',
    width: swap ? par.height : par.width,
    height: swap ? par.width : par.height,
    codedWidth: par.width,
    codedHeight: par.height,
    rotation,
    pixelFormat: avGetPixFmtName(par.format as never) ?? 'unknown',
    colorRange: par.colorRange === AVCOL_RANGE_JPEG ? 'full' : par.colorRange === AVCOL_RANGE_MPEG ? 'limited' : 'unknown',
    fps,
    nominalFps,
    startSeconds,
    durationSeconds,
    frameCount,
    isLive: spec.isLive,
    seekable,
    constantFrameRate: isConstantRate(fps, nominalFps, frameCount, durationSeconds),
    keyframeIntervalEstimate: null,
    hasAudio: fc.streams.some((s) => s.codecpar.codecType === AVMEDIA_TYPE_AUDIO),
    bitRate: fc.bitRate > 0n ? Number(fc.bitRate) : null,
  };
}

/**
 * A stream is treated as constant-rate when its average and nominal rates agree and the declared frame
 * count matches duration × fps. Only then are frame indices derived from timestamps (which allows seeking);
 * otherwise frames are counted as they are demuxed.
 */
function isConstantRate(fps: number | null, nominal: number | null, frames: number | null, duration: number | null): boolean {
  if (fps === null || nominal === null || frames === null || duration === null) return false;
  if (Math.abs(fps - nominal) > 1e-3 * nominal) return false;
  return Math.abs(frames - duration * fps) <= 1.01;
}
