/**
 * Runs an FFmpeg filter graph on raw packed pixels that are already in memory (frames a pipeline keeps
 * after playback), synchronously, the way `FrameConverter` (decoder.ts) runs one on decoded frames.
 */
import { AV_PIX_FMT_RGB24, FilterAPI, Frame, Rational } from 'node-av';
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import { describeAvError } from './ffmpeg-errors.ts';

/** Pixel formats {@link RawFrameConverter} accepts as input (packed HWC uint8). */
export type RawPixelFormat = 'rgb24';

/** What the raw input frames look like. */
export interface RawFrameFormat {
  /** Width of every input frame, in pixels. */
  width: number;
  /** Height of every input frame, in pixels. */
  height: number;
  /** Layout of the input bytes: `rgb24`, 3 bytes per pixel, rows packed without padding. */
  pixelFormat: RawPixelFormat;
}

const BYTES_PER_PIXEL: Record<RawPixelFormat, number> = { rgb24: 3 };
const AV_FORMAT = { rgb24: AV_PIX_FMT_RGB24 } as const;

/**
 * Converts raw frames of one fixed size and format through one filter graph (e.g. the `scale=…,crop=…,
 * format=rgb24` chain `planFilterGraph` derives for a model). One input and one output frame are allocated
 * up front and reused, so a long run allocates only the returned bytes per call.
 *
 * @example
 * ```ts
 * const converter = new RawFrameConverter({ width: 640, height: 360, pixelFormat: 'rgb24' }, 'scale=224:224:out_range=full,format=rgb24');
 * try {
 *   const small = converter.convert(rgb); // 224*224*3 bytes
 * } finally {
 *   converter.close();
 * }
 * ```
 */
export class RawFrameConverter {
  readonly #input: RawFrameFormat;
  readonly #bytes: number;
  readonly #filter: FilterAPI;
  readonly #in = new Frame();
  readonly #out = new Frame();
  readonly #timeBase = new Rational(1, 1);
  #pts = 0n;
  #closed = false;

  /** Builds the converter; the graph itself is configured on the first {@link RawFrameConverter.convert}. */
  constructor(input: RawFrameFormat, description: string) {
    for (const side of ['width', 'height'] as const) {
      const v = input[side];
      if (!Number.isInteger(v) || v < 1) {
        throw new FramepipeError('ERR_INVALID_OPTIONS', `RawFrameConverter input ${side} = ${String(v)} is invalid; use a whole number of pixels >= 1.`, { details: { option: side, value: v } });
      }
    }
    if (!(input.pixelFormat in BYTES_PER_PIXEL)) {
      throw new FramepipeError('ERR_INVALID_OPTIONS', `RawFrameConverter input pixelFormat = ${JSON.stringify(input.pixelFormat)} is invalid; use rgb24.`, { details: { option: 'pixelFormat', value: input.pixelFormat } });
    }
    this.#input = { ...input };
    this.#bytes = input.width * input.height * BYTES_PER_PIXEL[input.pixelFormat];
    this.#filter = FilterAPI.create(description, { threads: 1 });
    try {
      this.#in.alloc();
      Object.assign(this.#in, { width: input.width, height: input.height, format: AV_FORMAT[input.pixelFormat] });
      const ret = this.#in.allocBuffer();
      if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `Cannot allocate a ${input.width}x${input.height} ${input.pixelFormat} frame: ${describeAvError(ret)}.`);
      this.#out.alloc();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Converts one frame. `data` holds `width*height*3` bytes (rgb24, no row padding); the result is the filter
   * output's packed bytes, a new Buffer the caller owns.
   */
  convert(data: Uint8Array): Buffer {
    if (this.#closed) throw new FramepipeError('ERR_CLOSED', 'This RawFrameConverter is closed; create a new one.');
    if (!(data instanceof Uint8Array) || data.length !== this.#bytes) {
      const { width, height, pixelFormat } = this.#input;
      const got = data instanceof Uint8Array ? `${data.length} bytes` : `a ${(data as object)?.constructor?.name ?? typeof data}`;
      throw new FramepipeError('ERR_INVALID_OPTIONS', `A raw frame must be ${this.#bytes} bytes (${width}x${height} ${pixelFormat}), got ${got}; convert frames of the size the converter was made for.`, {
        details: { expectedBytes: this.#bytes, got: data instanceof Uint8Array ? data.length : null },
      });
    }
    try {
      // The graph may still reference the last input's buffer (a pass-through filter hands it on); copy
      // rather than overwrite pixels it could see.
      let ret = this.#in.makeWritable();
      if (ret >= 0) ret = this.#in.fromBuffer(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `Cannot fill the filter graph's input frame: ${describeAvError(ret)}.`);
      this.#in.pts = this.#pts++;
      this.#in.timeBase = this.#timeBase;
      this.#filter.processSync(this.#in);
      // Pull into the reused output frame, not receiveSync(): that clones a Frame per call, which node-av
      // frees only after garbage collection (see FrameConverter).
      const sink = this.#filter.buffersink;
      ret = sink ? sink.buffersinkGetFrameSync(this.#out) : -1;
      if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `The filter graph produced no frame for a raw frame (${describeAvError(ret)}).`);
      try {
        return this.#out.toBuffer();
      } finally {
        this.#out.unref();
      }
    } catch (err) {
      throw toFramepipeError(err);
    }
  }

  /** Frees the filter graph and both frames. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#filter.close();
    this.#in.free();
    this.#out.free();
  }
}
