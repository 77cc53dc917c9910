/**
 * Recording processed frames to an H.264 MP4 file with FFmpeg's libx264 and mp4 muxer. Everything is
 * synchronous (node-av's *Sync calls), like {@link ImageEncoder}, so a recorder can live inside a worker
 * thread. Timestamps come from each frame's media time, so variable frame rates and skipped frames keep
 * their true timing in the file. See `docs/recording.md`.
 */
import {
  AV_CODEC_FLAG_GLOBAL_HEADER, AV_PIX_FMT_BGR24, AV_PIX_FMT_RGB24, AV_PIX_FMT_RGBA, AV_PIX_FMT_YUV420P, AVCOL_RANGE_MPEG, AVCOL_SPC_SMPTE170M,
  AVERROR_EAGAIN, AVERROR_EOF, AVFMT_GLOBALHEADER, type AVPixelFormat, Codec, CodecContext, FormatContext, Frame, Packet, Rational, SoftwareScaleContext, type Stream, SWS_BICUBIC,
} from 'node-av';
import { FramepipeError } from '../core/errors.ts';
import { describeAvError } from './ffmpeg-errors.ts';
import { setFfmpegLogLevel } from './input.ts';

/** Pixel formats a recorder accepts as input (packed HWC uint8). */
export type RecorderPixelFormat = 'rgb24' | 'bgr24' | 'rgba';

/** x264 speed/size trade-offs, fastest first. */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;

/** Options for {@link createRecorder}. */
export interface RecorderOptions {
  /** Output file path. The container is always MP4, whatever the extension. */
  path: string;
  /** Width of the frames passed to `write`, in pixels. */
  width: number;
  /** Height of the frames passed to `write`, in pixels. */
  height: number;
  /**
   * Nominal frame rate, as a number or a rational `{ num, den }` (e.g. `{ num: 30000, den: 1001 }`). It sets the
   * stream's declared rate, the duration of the last frame and the timestamps of frames written without
   * `ptsSeconds`; other frames keep their own times.
   */
  fps: number | { num: number; den: number };
  /** Encoded width. Default `width`. Odd values are rounded up to even (yuv420p needs even sizes). */
  outputWidth?: number;
  /** Encoded height. Default `height`. Odd values are rounded up to even. */
  outputHeight?: number;
  /** Video codec. Only `h264` (libx264). Default `h264`. */
  codec?: 'h264';
  /** x264 constant rate factor, 0 (lossless) to 51 (worst). Default 23. */
  crf?: number;
  /** x264 preset. Default `veryfast`. */
  preset?: (typeof X264_PRESETS)[number];
  /** Pixel format of the frames passed to `write`. Default `rgb24`. */
  pixelFormat?: RecorderPixelFormat;
  /** Keyframe interval in seconds (seeking in the recording is at most this coarse). Default 2. */
  keyframeIntervalSeconds?: number;
  /**
   * Shift timestamps so the first written frame is at 0 s. Default true: a recording of a clip that starts at
   * 12.5 s still plays from its first frame. With false, media times are written as they are.
   */
  rebaseTimestamps?: boolean;
}

/** One frame to record: packed HWC pixels and its media time. Framepipe's `Frame` fits as is. */
export interface RecorderFrame {
  /** `width*height*channels` bytes (uint8 only). */
  data: Uint8Array | Float32Array;
  /** Presentation time in seconds. Default: the previous frame's time plus one nominal frame duration. */
  ptsSeconds?: number;
}

/** Time base of the written stream: 1/90000 s, the MPEG clock, fine enough for any frame rate. */
const TIME_BASE = { num: 1, den: 90_000 };
const CHANNELS: Record<RecorderPixelFormat, number> = { rgb24: 3, bgr24: 3, rgba: 4 };
const AV_FORMAT: Record<RecorderPixelFormat, AVPixelFormat> = { rgb24: AV_PIX_FMT_RGB24, bgr24: AV_PIX_FMT_BGR24, rgba: AV_PIX_FMT_RGBA };

/** Validated options: defaults applied, sizes made even, fps as a rational, keyframe interval in frames. */
type Resolved = Required<Pick<RecorderOptions, 'path' | 'width' | 'height' | 'crf' | 'preset' | 'pixelFormat'>> & {
  outWidth: number;
  outHeight: number;
  fps: { num: number; den: number };
  gop: number;
  rebase: boolean;
};

function invalid(option: string, value: unknown, fix: string): FramepipeError {
  return new FramepipeError('ERR_INVALID_OPTIONS', `Recorder option ${option} = ${JSON.stringify(value)} is invalid; ${fix}.`, { details: { option, value } });
}

function positiveInt(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalid(option, value, 'use a whole number of pixels >= 1');
  return value;
}

function rationalFps(fps: RecorderOptions['fps']): { num: number; den: number } {
  if (typeof fps === 'number' && Number.isFinite(fps) && fps > 0) {
    return Number.isInteger(fps) ? { num: fps, den: 1 } : { num: Math.round(fps * 1000), den: 1000 };
  }
  if (typeof fps === 'object' && fps !== null && Number.isInteger(fps.num) && Number.isInteger(fps.den) && fps.num > 0 && fps.den > 0) return { num: fps.num, den: fps.den };
  throw invalid('fps', fps, 'use a positive number or { num, den } with positive whole numbers');
}

function resolve(options: RecorderOptions): Resolved {
  if (typeof options.path !== 'string' || options.path === '') throw invalid('path', options.path, 'give the output file path');
  const width = positiveInt('width', options.width);
  const height = positiveInt('height', options.height);
  const even = (n: number): number => n + (n % 2);
  const crf = options.crf ?? 23;
  if (typeof crf !== 'number' || !(crf >= 0 && crf <= 51)) throw invalid('crf', crf, 'use a number from 0 (lossless) to 51');
  const preset = options.preset ?? 'veryfast';
  if (!X264_PRESETS.includes(preset)) throw invalid('preset', preset, `use one of ${X264_PRESETS.join(', ')}`);
  if ((options.codec ?? 'h264') !== 'h264') throw invalid('codec', options.codec, "only 'h264' is supported");
  const pixelFormat = options.pixelFormat ?? 'rgb24';
  if (!(pixelFormat in CHANNELS)) throw invalid('pixelFormat', pixelFormat, 'use rgb24, bgr24 or rgba');
  const fps = rationalFps(options.fps);
  const keyframeSeconds = options.keyframeIntervalSeconds ?? 2;
  if (!(keyframeSeconds > 0)) throw invalid('keyframeIntervalSeconds', keyframeSeconds, 'use a number of seconds > 0');
  return {
    path: options.path, width, height, fps, crf, preset, pixelFormat,
    outWidth: even(options.outputWidth === undefined ? width : positiveInt('outputWidth', options.outputWidth)),
    outHeight: even(options.outputHeight === undefined ? height : positiveInt('outputHeight', options.outputHeight)),
    gop: Math.max(1, Math.round((keyframeSeconds * fps.num) / fps.den)),
    rebase: options.rebaseTimestamps ?? true,
  };
}

function sinkError(path: string, action: string, code: number): FramepipeError {
  const reason = describeAvError(code);
  return new FramepipeError('ERR_SINK_WRITE', `Cannot ${action} the recording ${path}: ${reason}. Check that the folder exists and is writable.`, {
    details: { path, ffmpegCode: code, ffmpegMessage: reason },
  });
}

function openEncoder(cfg: Resolved, globalHeader: boolean): CodecContext {
  const codec = Codec.findEncoderByName('libx264' as never);
  if (!codec) throw new FramepipeError('ERR_INTERNAL', 'This FFmpeg build has no libx264 encoder, so H.264 recording is unavailable.');
  const ctx = new CodecContext();
  ctx.allocContext3(codec);
  ctx.width = cfg.outWidth;
  ctx.height = cfg.outHeight;
  ctx.pixelFormat = AV_PIX_FMT_YUV420P;
  ctx.timeBase = new Rational(TIME_BASE.num, TIME_BASE.den);
  ctx.framerate = new Rational(cfg.fps.num, cfg.fps.den);
  ctx.gopSize = cfg.gop;
  // swscale's RGB→YUV default is BT.601 limited range; tag it so players convert back the same way.
  ctx.colorRange = AVCOL_RANGE_MPEG;
  ctx.colorSpace = AVCOL_SPC_SMPTE170M;
  if (globalHeader) ctx.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
  // Options go through setOption, not an options Dictionary: open2 replaces the dictionary it is given, and
  // node-av's wrapper then frees the old one again when garbage-collected (a crash at a random later time).
  ctx.setOption('preset', cfg.preset);
  ctx.setOption('crf', String(cfg.crf));
  const ret = ctx.open2Sync(codec, null);
  if (ret < 0) {
    ctx.freeContext();
    throw new FramepipeError('ERR_INTERNAL', `Cannot open the libx264 encoder for ${cfg.outWidth}x${cfg.outHeight}: ${describeAvError(ret)}.`);
  }
  return ctx;
}

function openMuxer(cfg: Resolved): { fc: FormatContext; encoder: CodecContext; stream: Stream } {
  const fc = new FormatContext();
  let encoder: CodecContext | null = null;
  try {
    let ret = fc.allocOutputContext2(null, 'mp4', cfg.path);
    if (ret < 0) throw sinkError(cfg.path, 'create', ret);
    encoder = openEncoder(cfg, ((fc.oformat?.flags ?? 0) & AVFMT_GLOBALHEADER) !== 0);
    const stream = fc.newStream(null);
    stream.timeBase = new Rational(TIME_BASE.num, TIME_BASE.den);
    stream.avgFrameRate = new Rational(cfg.fps.num, cfg.fps.den);
    ret = stream.codecpar.fromContext(encoder);
    if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `Cannot copy encoder parameters: ${describeAvError(ret)}.`);
    ret = fc.openOutputSync();
    if (ret < 0) throw sinkError(cfg.path, 'open', ret);
    // faststart moves the index to the front after the trailer is written, so players can start before the
    // whole file has arrived. (setOption, not a header Dictionary: see openEncoder.)
    fc.setOption('movflags', '+faststart');
    ret = fc.writeHeaderSync();
    if (ret < 0) throw sinkError(cfg.path, 'write the header of', ret);
    return { fc, encoder, stream };
  } catch (err) {
    encoder?.freeContext();
    try {
      fc.closeOutputSync();
    } catch {
      // Never opened: nothing to close.
    }
    fc.freeContext();
    throw err;
  }
}

/**
 * Writes frames to an H.264 MP4 (yuv420p). Create one with {@link createRecorder}.
 *
 * Timestamps: each frame's `ptsSeconds` (minus the first frame's, unless `rebaseTimestamps: false`) is
 * written at 1/90000 s resolution. A frame whose timestamp is not after the previous frame's is dropped and
 * counted in {@link Recorder.framesDropped}: shifting it would misplace it in time, and MP4 cannot show two
 * frames at one instant. Each frame lasts until the next one; the last lasts one nominal frame (1/fps).
 */
export class Recorder {
  readonly #cfg: Resolved;
  readonly #fc: FormatContext;
  readonly #encoder: CodecContext;
  readonly #stream: Stream;
  readonly #scaler = new SoftwareScaleContext();
  readonly #packet = new Packet();
  readonly #durations = new Map<bigint, bigint>();
  #pending: Frame | null = null;
  #firstSeconds: number | null = null;
  #lastPts = -1n;
  #written = 0;
  #dropped = 0;
  #closed = false;

  /** Use {@link createRecorder}. */
  constructor(options: RecorderOptions) {
    this.#cfg = resolve(options);
    // framepipe reports failures as errors; libx264's banner and statistics would only clutter the console.
    setFfmpegLogLevel('quiet');
    const { fc, encoder, stream } = openMuxer(this.#cfg);
    this.#fc = fc;
    this.#encoder = encoder;
    this.#stream = stream;
    const { width, height, outWidth, outHeight, pixelFormat } = this.#cfg;
    this.#scaler.getContext(width, height, AV_FORMAT[pixelFormat], outWidth, outHeight, AV_PIX_FMT_YUV420P, SWS_BICUBIC);
    this.#packet.alloc();
  }

  /** Encoded size (input size or the chosen output size, rounded up to even). */
  get outputSize(): { width: number; height: number } {
    return { width: this.#cfg.outWidth, height: this.#cfg.outHeight };
  }

  /** Frames accepted so far (the last one is encoded when the next arrives or on close). */
  get framesWritten(): number {
    return this.#written;
  }

  /** Frames dropped because their timestamp was not after the previous frame's. */
  get framesDropped(): number {
    return this.#dropped;
  }

  /**
   * Adds one frame. Returns false when it was dropped for a non-increasing timestamp.
   *
   * @example
   * ```ts
   * recorder.write({ data: rgb, ptsSeconds: 0.5 });
   * ```
   */
  write(frame: RecorderFrame): boolean {
    if (this.#closed) throw new FramepipeError('ERR_CLOSED', `The recorder for ${this.#cfg.path} is closed; create a new one to record again.`);
    const pts = this.#ptsOf(frame.ptsSeconds);
    if (pts <= this.#lastPts) {
      this.#dropped++;
      return false;
    }
    const yuv = this.#convert(frame.data);
    yuv.pts = pts;
    this.#lastPts = pts;
    this.#written++;
    if (this.#pending) this.#sendPending(pts - this.#pending.pts);
    this.#pending = yuv;
    return true;
  }

  #ptsOf(ptsSeconds: number | undefined): bigint {
    const { num, den } = this.#cfg.fps;
    if (ptsSeconds === undefined) return this.#lastPts < 0n ? 0n : this.#lastPts + BigInt(Math.round((TIME_BASE.den * den) / num));
    if (!Number.isFinite(ptsSeconds)) throw invalid('ptsSeconds', ptsSeconds, 'give a finite media time in seconds');
    this.#firstSeconds ??= this.#cfg.rebase ? ptsSeconds : 0;
    return BigInt(Math.round((ptsSeconds - this.#firstSeconds) * TIME_BASE.den));
  }

  #convert(data: Uint8Array | Float32Array): Frame {
    const { width, height, pixelFormat, outWidth, outHeight } = this.#cfg;
    const bytes = width * height * CHANNELS[pixelFormat];
    if (!(data instanceof Uint8Array) || data.length !== bytes) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', `A recorded frame must be ${bytes} uint8 bytes (${width}x${height} ${pixelFormat}), got ${data.length} ${data.constructor.name} elements; record frames delivered as uint8 hwc ${pixelFormat} at the recorder's size.`, {
        details: { expectedBytes: bytes, got: data.length },
      });
    }
    const input = Frame.fromVideoBuffer(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { width, height, format: AV_FORMAT[pixelFormat] });
    const yuv = new Frame();
    try {
      yuv.alloc();
      Object.assign(yuv, { width: outWidth, height: outHeight, format: AV_PIX_FMT_YUV420P });
      yuv.getBuffer(0);
      const ret = this.#scaler.scaleFrameSync(yuv, input);
      if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `Colour conversion for recording failed: ${describeAvError(ret)}.`);
      return yuv;
    } catch (err) {
      yuv.free();
      throw err;
    } finally {
      input.free();
    }
  }

  #sendPending(duration: bigint): void {
    const frame = this.#pending as Frame;
    this.#pending = null;
    try {
      frame.duration = duration;
      this.#durations.set(frame.pts, duration);
      this.#encode(frame);
    } finally {
      frame.free();
    }
  }

  #encode(frame: Frame | null): void {
    const ret = this.#encoder.sendFrameSync(frame);
    if (ret < 0 && ret !== AVERROR_EOF) throw new FramepipeError('ERR_INTERNAL', `H.264 encoding failed: ${describeAvError(ret)}.`);
    for (;;) {
      const got = this.#encoder.receivePacketSync(this.#packet);
      if (got === AVERROR_EAGAIN || got === AVERROR_EOF) return;
      if (got < 0) throw new FramepipeError('ERR_INTERNAL', `H.264 encoding failed: ${describeAvError(got)}.`);
      this.#mux();
    }
  }

  #mux(): void {
    const pkt = this.#packet;
    // libx264 does not carry frame durations through its reordering; restore them by pts.
    const duration = this.#durations.get(pkt.pts);
    if (duration !== undefined) pkt.duration = duration;
    this.#durations.delete(pkt.pts);
    pkt.streamIndex = this.#stream.index;
    pkt.rescaleTs(new Rational(TIME_BASE.num, TIME_BASE.den), this.#stream.timeBase);
    // One stream: nothing to interleave, so packets go straight to the muxer.
    const ret = this.#fc.writeFrameSync(pkt);
    pkt.unref();
    if (ret < 0) throw sinkError(this.#cfg.path, 'write to', ret);
  }

  /**
   * Encodes what is buffered, writes the MP4 index and closes the file. Idempotent; every cleanup step runs
   * even if an earlier one fails, and the first failure is thrown.
   *
   * @example
   * ```ts
   * recorder.closeSync();
   * ```
   */
  closeSync(): void {
    if (this.#closed) return;
    this.#closed = true;
    let failure: unknown = null;
    const step = (fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        failure ??= err;
      }
    };
    const { num, den } = this.#cfg.fps;
    step(() => this.#pending && this.#sendPending(BigInt(Math.round((TIME_BASE.den * den) / num))));
    step(() => this.#encode(null));
    step(() => {
      const ret = this.#fc.writeTrailerSync();
      if (ret < 0) throw sinkError(this.#cfg.path, 'finish', ret);
    });
    step(() => this.#fc.closeOutputSync());
    step(() => this.#fc.freeContext());
    step(() => this.#encoder.freeContext());
    step(() => this.#scaler.freeContext());
    step(() => this.#packet.free());
    if (failure) throw failure;
  }

  /** Same as {@link Recorder.closeSync}, for `await` and `await using`. */
  async close(): Promise<void> {
    this.closeSync();
  }

  /** Closes the recorder (`using`). */
  [Symbol.dispose](): void {
    this.closeSync();
  }

  /** Closes the recorder (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.closeSync();
  }
}

/**
 * Opens an MP4 file for recording H.264 video. Throws ERR_SINK_WRITE when the path cannot be written and
 * ERR_INVALID_OPTIONS for bad options.
 *
 * @example
 * ```ts
 * await using recorder = createRecorder({ path: 'out.mp4', width: 640, height: 360, fps: 30 });
 * for await (const frame of video.frames()) {
 *   drawBox(asImage(frame), { x: 10, y: 10, width: 100, height: 80 }, { color: '#ff0000' });
 *   recorder.write(frame);
 * }
 * ```
 */
export function createRecorder(options: RecorderOptions): Recorder {
  return new Recorder(options);
}
