/**
 * The video decoder (software, or hardware with a logged fallback) and the filter graph that converts
 * selected frames. Frames nobody asked for are never converted.
 */
import {
  AV_NOPTS_VALUE,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  Codec,
  CodecContext,
  FilterAPI,
  Frame,
  HardwareDeviceContext,
  type Packet,
} from 'node-av';
import { FramepipeError } from '../core/errors.ts';
import { describeAvError, unsupportedCodec } from './ffmpeg-errors.ts';
import type { OpenedInput } from './input.ts';

/** Hardware decoding choice: `none`, `auto` (first that works), or an FFmpeg device type. */
export type HardwareAcceleration = 'none' | 'auto' | 'cuda' | 'vaapi' | 'qsv' | 'vulkan' | 'videotoolbox' | 'd3d11va' | 'drm';

/** Decoder settings. */
export interface DecoderOptions {
  /** Decoder threads; 0 lets FFmpeg choose. */
  threads: number;
  hardware: HardwareAcceleration;
  /** Fail instead of falling back to software when `hardware` is unavailable. */
  requireHardware: boolean;
  onWarning: (code: string, message: string, details?: Record<string, unknown>) => void;
}

/** A decoded frame handed to the caller; valid only during the callback. */
export interface DecodedFrame {
  frame: Frame;
  /** Presentation timestamp (best effort) in stream time-base units. */
  pts: bigint;
}

const AUTO_ORDER = ['cuda', 'vaapi', 'qsv', 'videotoolbox', 'd3d11va', 'vulkan'] as const;

/** Wraps an FFmpeg decoder with per-packet skipping. */
export class VideoDecoder {
  readonly #ctx = new CodecContext();
  readonly #frame = new Frame();
  readonly #source: string;
  readonly #onWarning: DecoderOptions['onWarning'];
  #skipping = false;
  #closed = false;
  #hwDevice: HardwareDeviceContext | null = null;
  #software: Frame | null = null;
  framesDecoded = 0;
  packetsSent = 0;
  decodeErrors = 0;
  /** The hardware device type in use, or null for software decoding. */
  hardware: string | null = null;

  constructor(input: OpenedInput, options: DecoderOptions) {
    this.#source = input.info.source;
    this.#onWarning = options.onWarning;
    const par = input.stream.codecpar;
    const codec = Codec.findDecoder(par.codecId);
    if (!codec) throw unsupportedCodec(input.info.codec, this.#source);
    this.#ctx.allocContext3(codec);
    this.#ctx.parametersToContext(par);
    this.#ctx.pktTimebase = input.stream.timeBase;
    this.#ctx.threadCount = options.threads;
    this.#attachHardware(options);
    const ret = this.#ctx.open2Sync(codec, null);
    if (ret < 0) throw unsupportedCodec(`${input.info.codec} (${describeAvError(ret)})`, this.#source);
    this.#frame.alloc();
  }

  /**
   * Sends one packet. When `wanted` is false the decoder may drop the frame if nothing references it
   * (FFmpeg's skip_frame=noref), which saves most of the work for B-frames.
   */
  send(packet: Packet, wanted: boolean, onFrame: (f: DecodedFrame) => void): void {
    if (this.#skipping === wanted) {
      this.#ctx.setOption('skip_frame', wanted ? 'default' : 'noref');
      this.#skipping = !wanted;
    }
    this.packetsSent++;
    let ret = this.#ctx.sendPacketSync(packet);
    while (ret === AVERROR_EAGAIN) {
      this.#receive(onFrame);
      ret = this.#ctx.sendPacketSync(packet);
    }
    if (ret < 0) this.#decodeError(ret, packet.pts);
    this.#receive(onFrame);
  }

  /** Outputs every frame still inside the decoder, then resets it for a new position (after a skip or seek). */
  drain(onFrame: (f: DecodedFrame) => void): void {
    this.#ctx.sendPacketSync(null);
    this.#receive(onFrame);
    this.#ctx.flushBuffers();
  }

  /** Frees the decoder; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#frame.free();
    this.#software?.free();
    this.#ctx.freeContext();
    this.#hwDevice?.free();
    this.#hwDevice = null;
  }

  #receive(onFrame: (f: DecodedFrame) => void): void {
    for (;;) {
      const ret = this.#ctx.receiveFrameSync(this.#frame);
      if (ret === AVERROR_EAGAIN || ret === AVERROR_EOF) return;
      if (ret < 0) {
        this.#decodeError(ret, AV_NOPTS_VALUE);
        return;
      }
      this.framesDecoded++;
      const pts = this.#frame.bestEffortTimestamp !== AV_NOPTS_VALUE ? this.#frame.bestEffortTimestamp : this.#frame.pts;
      try {
        onFrame({ frame: this.#toSoftware(this.#frame), pts });
      } finally {
        this.#frame.unref();
      }
    }
  }

  #toSoftware(frame: Frame): Frame {
    if (!frame.isHwFrame()) return frame;
    if (!this.#software) {
      this.#software = new Frame();
      this.#software.alloc();
    }
    this.#software.unref();
    const ret = frame.hwframeTransferDataSync(this.#software, 0);
    if (ret < 0) throw new FramepipeError('ERR_DECODE', `Copying a hardware frame to memory failed: ${describeAvError(ret)}.`, { details: { ffmpegCode: ret } });
    // The transfer copies pixels only: timestamps, aspect ratio and colour properties come separately.
    this.#software.copyProps(frame);
    return this.#software;
  }

  #decodeError(code: number, pts: bigint): void {
    this.decodeErrors++;
    this.#onWarning('decode-error', `Decoding failed near pts ${pts === AV_NOPTS_VALUE ? '?' : pts.toString()} in ${this.#source}: ${describeAvError(code)}`, {
      ffmpegCode: code,
    });
  }

  #attachHardware(options: DecoderOptions): void {
    if (options.hardware === 'none') return;
    const candidates = options.hardware === 'auto' ? AUTO_ORDER : [options.hardware];
    const tried: string[] = [];
    for (const name of candidates) {
      const type = HardwareDeviceContext.findTypeByName(name as never);
      const device = new HardwareDeviceContext();
      const ret = type > 0 ? device.create(type, null, null) : -1;
      if (ret >= 0) {
        this.#ctx.hwDeviceCtx = device;
        this.#hwDevice = device;
        this.hardware = name;
        return;
      }
      device.free();
      tried.push(`${name} (${ret === -1 ? 'not compiled in' : describeAvError(ret)})`);
    }
    const message = `Hardware decoding unavailable: ${tried.join(', ')}; decoding in software.`;
    if (options.requireHardware) {
      throw new FramepipeError('ERR_HWACCEL_UNAVAILABLE', `${message.replace('; decoding in software.', '')}. Use hardware: "none" or "auto".`, {
        details: { tried },
      });
    }
    options.onWarning('hwaccel-fallback', message, { tried });
  }
}

/** Runs the preprocessing filter graph on selected frames. */
export class FrameConverter {
  readonly #filter: FilterAPI;
  readonly #timeBase: { num: number; den: number };
  readonly #out = new Frame();
  #closed = false;

  constructor(description: string, input: OpenedInput) {
    this.#filter = FilterAPI.create(description, { threads: 1 });
    this.#timeBase = input.stream.timeBase;
    this.#out.alloc();
  }

  /** Converts one frame; returns its packed bytes. */
  convert(frame: Frame): Buffer {
    frame.timeBase = this.#timeBase as never;
    this.#filter.processSync(frame);
    // Pull into one reused frame: FilterAPI.receiveSync() clones a new Frame per call, and node-av releases
    // those only after garbage collection, which a long synchronous run would postpone indefinitely.
    const sink = this.#filter.buffersink;
    const ret = sink ? sink.buffersinkGetFrameSync(this.#out) : -1;
    if (ret < 0) throw new FramepipeError('ERR_INTERNAL', `The filter graph produced no frame for a decoded frame (${describeAvError(ret)}).`);
    try {
      return this.#out.toBuffer();
    } finally {
      this.#out.unref();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#filter.close();
    this.#out.free();
  }
}
