/**
 * Still-image encoding (PNG, JPEG) with FFmpeg's own encoders, so writing frames to disk needs no other
 * image library. One encoder per size and format is reused across frames.
 */
import {
  AV_PIX_FMT_BGR24,
  AV_PIX_FMT_GRAY8,
  AV_PIX_FMT_RGB24,
  AV_PIX_FMT_RGBA,
  AV_PIX_FMT_YUVJ420P,
  AV_PIX_FMT_YUVJ444P,
  AVERROR_EAGAIN,
  type AVPixelFormat,
  Codec,
  CodecContext,
  Frame,
  Packet,
  SoftwareScaleContext,
} from 'node-av';
import { FramepipeError } from '../core/errors.ts';
import type { PixelFormat } from '../core/types.ts';
import { describeAvError } from './ffmpeg-errors.ts';

/** Image container for written frames. */
export type ImageFormat = 'png' | 'jpg';

const SOURCE_FORMAT: Record<PixelFormat, AVPixelFormat> = {
  rgb24: AV_PIX_FMT_RGB24,
  bgr24: AV_PIX_FMT_BGR24,
  gray: AV_PIX_FMT_GRAY8,
  rgba: AV_PIX_FMT_RGBA,
};

/** Encodes packed HWC uint8 frames of one size and pixel format to PNG or JPEG. */
export class ImageEncoder {
  readonly #ctx = new CodecContext();
  readonly #width: number;
  readonly #height: number;
  readonly #source: AVPixelFormat;
  readonly #target: AVPixelFormat;
  readonly #scaler: SoftwareScaleContext | null = null;
  readonly #packet = new Packet();
  #closed = false;
  #pts = 0n;

  constructor(format: ImageFormat, width: number, height: number, pixelFormat: PixelFormat, quality = 3) {
    this.#width = width;
    this.#height = height;
    this.#source = SOURCE_FORMAT[pixelFormat];
    const codec = Codec.findEncoderByName((format === 'png' ? 'png' : 'mjpeg') as never);
    if (!codec) throw new FramepipeError('ERR_INTERNAL', `This FFmpeg build has no ${format} encoder.`);
    // PNG stores our pixels as they are; JPEG needs full-range YUV (grey stays grey).
    this.#target = format === 'png' ? this.#source : pixelFormat === 'gray' ? AV_PIX_FMT_GRAY8 : width % 2 || height % 2 ? AV_PIX_FMT_YUVJ444P : AV_PIX_FMT_YUVJ420P;
    this.#ctx.allocContext3(codec);
    this.#ctx.width = width;
    this.#ctx.height = height;
    this.#ctx.pixelFormat = this.#target;
    this.#ctx.timeBase = { num: 1, den: 25 } as never;
    if (format === 'jpg') {
      this.#ctx.setOption('qmin', quality);
      this.#ctx.setOption('qmax', quality);
    }
    const ret = this.#ctx.open2Sync(codec, null);
    if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `Cannot open the ${format} encoder: ${describeAvError(ret)}.`);
    if (this.#target !== this.#source) {
      this.#scaler = new SoftwareScaleContext();
      this.#scaler.getContext(width, height, this.#source, width, height, this.#target, 2 as never);
    }
    this.#packet.alloc();
  }

  /** Encodes one frame of `width*height*channels` bytes. */
  encode(pixels: Uint8Array): Buffer {
    const input = Frame.fromVideoBuffer(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
      width: this.#width,
      height: this.#height,
      format: this.#source,
    });
    let frame = input;
    try {
      if (this.#scaler) {
        frame = new Frame();
        frame.alloc();
        frame.width = this.#width;
        frame.height = this.#height;
        frame.format = this.#target;
        frame.getBuffer(0);
        this.#scaler.scaleFrameSync(frame, input);
      }
      // Encoders reject repeated timestamps; each image is independent, so any increasing value will do.
      frame.pts = this.#pts++;
      let ret = this.#ctx.sendFrameSync(frame);
      if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `Image encoding failed: ${describeAvError(ret)}.`);
      ret = this.#ctx.receivePacketSync(this.#packet);
      if (ret === AVERROR_EAGAIN || ret < 0 || !this.#packet.data) {
        throw new FramepipeError('ERR_INTERNAL', `Image encoding produced no data: ${describeAvError(ret)}.`);
      }
      const data = Buffer.from(this.#packet.data);
      this.#packet.unref();
      return data;
    } finally {
      if (frame !== input) frame.free();
      input.free();
    }
  }

  /** Frees the encoder; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#packet.free();
    this.#scaler?.freeContext();
    this.#ctx.freeContext();
  }
}
