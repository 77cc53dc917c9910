/**
 * Reference answers from the ffmpeg/ffprobe CLI (Debian's 5.1 here and in CI), for tests to compare
 * framepipe against. Nothing here uses framepipe or node-av: the point is an independent oracle.
 *
 * @example
 * ```ts
 * const path = await fixture('h264-bframes.mp4');
 * const frames = await probeFrames(path); // display order, with true pts
 * const [ref] = await ffmpegRawFrames(path, { vf: 'scale=224:224', frameIndices: [frames.length - 1] });
 * ```
 */
import { execFile } from 'node:child_process';

/** One decoded frame as ffprobe reports it, in display (presentation) order. */
export interface ProbedFrame {
  /** Position in display order, counting from 0. */
  index: number;
  /** `pts_time`, else `best_effort_timestamp_time`, else NaN. */
  ptsSeconds: number;
  /** True for frames the decoder flags as key frames. */
  keyframe: boolean;
  /** `I`, `P`, `B`, or `?` when unknown. */
  pictType: string;
}

/** The first video stream as ffprobe reports it. Missing values are null. */
export interface ProbedStream {
  /** e.g. `h264`, `hevc`, `vp9`, `av1`, `mpeg2video`, `mjpeg`. */
  codecName: string;
  /** Coded width in pixels, before rotation. */
  width: number;
  /** Coded height in pixels, before rotation. */
  height: number;
  /** Width after applying {@link ProbedStream.rotationCw}. */
  displayWidth: number;
  /** Height after applying {@link ProbedStream.rotationCw}. */
  displayHeight: number;
  /** ffprobe's display-matrix `rotation`: degrees COUNTER-clockwise (a phone portrait clip: -90); 0 if none. */
  rotation: number;
  /** The same rotation as clockwise degrees, like framepipe's `VideoInfo.rotation`. */
  rotationCw: 0 | 90 | 180 | 270;
  /** e.g. `yuv420p`, `yuvj420p`, `yuv420p10le`, `yuv444p`. */
  pixFmt: string;
  /** `tv` (limited), `pc` (full) or `unknown`. */
  colorRange: string;
  /** `r_frame_rate` as a number, null when 0/0. */
  rFrameRate: number | null;
  /** `avg_frame_rate` as a number, null when 0/0. */
  avgFrameRate: number | null;
  /** `nb_frames` (declared by the container), null when absent. */
  nbFrames: number | null;
  /** Stream duration, else the container's, in seconds; null when neither is declared. */
  durationSeconds: number | null;
  /** Stream start time in seconds, null when absent. */
  startSeconds: number | null;
}

/** Pixel formats {@link ffmpegRawFrames} knows the frame size of. */
export type RawPixFmt =
  | 'rgb24'
  | 'bgr24'
  | 'rgba'
  | 'bgra'
  | 'gray'
  | 'gray16le'
  | 'rgb48le'
  | 'yuv420p'
  | 'yuv444p';

/** Options for {@link ffmpegRawFrames}. */
export interface RawFramesOptions {
  /** Filters applied after frame selection and autorotation, e.g. `scale=224:224`. Default none. */
  vf?: string;
  /** Output pixel format. Default `rgb24`. */
  pixFmt?: RawPixFmt;
  /** Display-order indices to return, in the order given (repeats allowed). Default: every frame. */
  frameIndices?: readonly number[];
  /** Apply the container's display rotation like the ffmpeg CLI does by default. Default true. */
  autorotate?: boolean;
  /**
   * `-sws_flags` for scalers ffmpeg inserts itself (the conversion to `pixFmt`), e.g.
   * `bilinear+accurate_rnd+full_chroma_int`. Default: ffmpeg's own (`bicubic`).
   */
  swsFlags?: string;
}

const MAX_OUTPUT_BYTES = 1 << 30;

interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function run(tool: 'ffmpeg' | 'ffprobe', args: readonly string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      { encoding: 'buffer', maxBuffer: MAX_OUTPUT_BYTES, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (code === 'ENOENT') {
          reject(new Error(`${tool} CLI not found on PATH; install it (Debian: apt-get install ffmpeg).`));
        } else if (typeof code !== 'number') {
          reject(new Error(`${tool} ${args.join(' ')} failed: ${err?.message}`, { cause: err }));
        } else {
          resolve({ code, stdout, stderr: stderr.toString('utf8') });
        }
      },
    );
  });
}

function failure(tool: string, args: readonly string[], result: RunResult): Error {
  const tail = result.stderr.trim().split('\n').slice(-15).join('\n');
  return new Error(`${tool} exited with ${result.code}: ${tool} ${args.join(' ')}\n${tail}`);
}

/**
 * Runs `ffmpeg -hide_banner -nostdin -loglevel error -y <args>` and rejects with its stderr on failure.
 *
 * @example
 * ```ts
 * await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=duration=1', '-c:v', 'libx264', '/tmp/a.mp4']);
 * ```
 */
export async function runFfmpeg(args: readonly string[]): Promise<void> {
  const full = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args];
  const result = await run('ffmpeg', full);
  if (result.code !== 0) throw failure('ffmpeg', full, result);
}

async function ffprobeJson(path: string, args: readonly string[]): Promise<Record<string, unknown>> {
  const full = ['-v', 'error', ...args, '-of', 'json', path];
  const result = await run('ffprobe', full);
  if (result.code !== 0) throw failure('ffprobe', full, result);
  return JSON.parse(result.stdout.toString('utf8')) as Record<string, unknown>;
}

type Json = Record<string, unknown>;

function num(value: unknown): number | null {
  if (value === undefined || value === null || value === 'N/A' || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function rate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const [n, d] = value.split('/').map(Number);
  return n && d ? n / d : null;
}

/**
 * Every video frame of the first video stream, decoded by ffprobe, in display order.
 *
 * @example
 * ```ts
 * const frames = await probeFrames(await fixture('vfr.mkv'));
 * frames.map((f) => f.ptsSeconds); // [0, 0.033, 0.067, …]
 * ```
 */
export async function probeFrames(path: string): Promise<ProbedFrame[]> {
  const entries = 'frame=pts_time,best_effort_timestamp_time,key_frame,pict_type';
  const json = await ffprobeJson(path, ['-select_streams', 'v:0', '-show_frames', '-show_entries', entries]);
  const frames = (json.frames ?? []) as Json[];
  return frames.map((f, index) => ({
    index,
    ptsSeconds: num(f.pts_time) ?? num(f.best_effort_timestamp_time) ?? Number.NaN,
    keyframe: Number(f.key_frame) === 1,
    pictType: typeof f.pict_type === 'string' ? f.pict_type : '?',
  }));
}

/**
 * The first video stream's properties; rejects when the file has no video stream or cannot be read.
 *
 * @example
 * ```ts
 * const s = await probeStream(await fixture('rotated-90.mp4'));
 * // s.width 320, s.height 240, s.rotation -90, s.rotationCw 90, s.displayWidth 240
 * ```
 */
export async function probeStream(path: string): Promise<ProbedStream> {
  const json = await ffprobeJson(path, ['-select_streams', 'v:0', '-show_streams', '-show_format']);
  const stream = ((json.streams ?? []) as Json[])[0];
  if (!stream) throw new Error(`${path} has no video stream.`);
  const format = (json.format ?? {}) as Json;
  const sideData = (stream.side_data_list ?? []) as Json[];
  const rotation = num(sideData.find((sd) => sd.rotation !== undefined)?.rotation) ?? 0;
  const rotationCw = ((((Math.round(-rotation / 90) * 90) % 360) + 360) % 360) as ProbedStream['rotationCw'];
  const width = Number(stream.width);
  const height = Number(stream.height);
  const swap = rotationCw === 90 || rotationCw === 270;
  return {
    codecName: String(stream.codec_name),
    width,
    height,
    displayWidth: swap ? height : width,
    displayHeight: swap ? width : height,
    rotation,
    rotationCw,
    pixFmt: String(stream.pix_fmt),
    colorRange: typeof stream.color_range === 'string' ? stream.color_range : 'unknown',
    rFrameRate: rate(stream.r_frame_rate),
    avgFrameRate: rate(stream.avg_frame_rate),
    nbFrames: num(stream.nb_frames),
    durationSeconds: num(stream.duration) ?? num(format.duration),
    startSeconds: num(stream.start_time),
  };
}

/**
 * The `codec_type` of every stream in the file, e.g. `['audio']` for an audio-only file.
 *
 * @example
 * ```ts
 * await probeCodecTypes(await fixture('audio-only.m4a')); // ['audio']
 * ```
 */
export async function probeCodecTypes(path: string): Promise<string[]> {
  const json = await ffprobeJson(path, ['-show_entries', 'stream=codec_type']);
  return ((json.streams ?? []) as Json[]).map((s) => String(s.codec_type));
}

function frameBytes(pixFmt: RawPixFmt, w: number, h: number): number {
  const chroma = Math.ceil(w / 2) * Math.ceil(h / 2);
  const perPixel: Record<RawPixFmt, number> = {
    rgb24: 3,
    bgr24: 3,
    rgba: 4,
    bgra: 4,
    gray: 1,
    gray16le: 2,
    rgb48le: 6,
    yuv420p: 0,
    yuv444p: 3,
  };
  return pixFmt === 'yuv420p' ? w * h + 2 * chroma : w * h * perPixel[pixFmt];
}

/**
 * Reference pixels from the ffmpeg CLI itself: `ffmpeg -i <path> -vf <select,vf> -fps_mode passthrough
 * -pix_fmt <pixFmt> -f rawvideo -`, split into one Buffer per frame. Autorotation is on by default, as in
 * the CLI.
 *
 * @example
 * ```ts
 * const [first, last] = await ffmpegRawFrames(path, { vf: 'scale=64:48', frameIndices: [0, 89] });
 * first.length; // 64 * 48 * 3
 * ```
 */
export async function ffmpegRawFrames(path: string, options: RawFramesOptions = {}): Promise<Buffer[]> {
  const { vf, pixFmt = 'rgb24', frameIndices, autorotate = true, swsFlags } = options;
  if (frameIndices?.length === 0) return [];
  const wanted = frameIndices ? [...new Set(frameIndices)].sort((a, b) => a - b) : null;
  if (wanted?.some((i) => !Number.isInteger(i) || i < 0)) {
    throw new Error(`frameIndices must be whole numbers >= 0, got ${JSON.stringify(frameIndices)}.`);
  }
  const filters: string[] = [];
  if (wanted) filters.push(`select='${wanted.map((i) => `eq(n,${i})`).join('+')}'`);
  if (vf) filters.push(vf);
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info'];
  if (!autorotate) args.push('-noautorotate');
  args.push('-i', path, '-map', '0:v:0', '-fps_mode', 'passthrough');
  if (filters.length > 0) args.push('-vf', filters.join(','));
  if (swsFlags) args.push('-sws_flags', swsFlags);
  args.push('-pix_fmt', pixFmt, '-f', 'rawvideo', '-');
  const result = await run('ffmpeg', args);
  if (result.code !== 0) throw failure('ffmpeg', args, result);
  if (result.stdout.length === 0) return frameIndices?.length ? missing(frameIndices, 0, path) : [];
  // The output stream's log line: "Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(…), 240x320 …".
  const output = result.stderr.slice(result.stderr.indexOf('Output #0'));
  const size = /Stream #0:0[^\n]*?, (\d+)x(\d+)[ ,\n]/.exec(output);
  if (!size) throw new Error(`Cannot find the output frame size in ffmpeg's log:\n${output}`);
  const bytes = frameBytes(pixFmt, Number(size[1]), Number(size[2]));
  if (result.stdout.length % bytes !== 0) {
    throw new Error(`ffmpeg wrote ${result.stdout.length} bytes, not a multiple of the ${bytes}-byte frame.`);
  }
  const frames: Buffer[] = [];
  for (let at = 0; at < result.stdout.length; at += bytes)
    frames.push(result.stdout.subarray(at, at + bytes));
  if (!wanted || !frameIndices) return frames;
  if (frames.length < wanted.length) return missing(frameIndices, frames.length, path);
  const byIndex = new Map(wanted.map((index, position) => [index, frames[position] as Buffer]));
  return frameIndices.map((i) => byIndex.get(i) as Buffer);
}

function missing(indices: readonly number[], got: number, path: string): never {
  throw new Error(
    `Asked for frames ${JSON.stringify(indices)} of ${path} but ffmpeg produced only ${got} of them.`,
  );
}

/**
 * Decodes the whole first video stream with the ffmpeg CLI (`-f null`) and returns what it complained about.
 *
 * @example
 * ```ts
 * const { errorLines } = await ffmpegDecodeErrors(await fixture('corrupt-middle.mp4'));
 * errorLines.length > 0; // true
 * ```
 */
export async function ffmpegDecodeErrors(path: string): Promise<{ exitCode: number; errorLines: string[] }> {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-i',
    path,
    '-map',
    '0:v:0',
    '-f',
    'null',
    '-',
  ];
  const result = await run('ffmpeg', args);
  const errorLines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  return { exitCode: result.code, errorLines };
}

/**
 * Per-element absolute differences between two equally long pixel arrays.
 *
 * @example
 * ```ts
 * const { maxAbsDiff, meanAbsDiff } = compareFrames(ours, reference);
 * assert.ok(maxAbsDiff <= 2 && meanAbsDiff < 0.5);
 * ```
 */
export function compareFrames(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { maxAbsDiff: number; meanAbsDiff: number } {
  if (a.length !== b.length)
    throw new Error(`Cannot compare frames of ${a.length} and ${b.length} elements.`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    sum += d;
    if (d > max) max = d;
  }
  return { maxAbsDiff: max, meanAbsDiff: a.length === 0 ? 0 : sum / a.length };
}
