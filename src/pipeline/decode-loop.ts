/**
 * The synchronous decode loop that runs inside the decode worker: GOP by GOP, ask the sampling plan which
 * frames it needs, seek past GOPs it does not need, decode only the packets those frames depend on, and
 * convert only the frames that are delivered.
 */
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { DecodeStats, FrameMeta, SamplingManifest } from '../core/types.ts';
import type { DecodedFrame, FrameConverter, VideoDecoder } from '../decode/decoder.ts';
import type { OpenedInput } from '../decode/input.ts';
import type { Gop, PacketReader } from '../decode/packets.ts';
import type { TensorWriter } from '../preprocess/tensor.ts';
import type { FrameRef, Selection, Selector } from '../sampling/types.ts';

/** Limits checked while decoding. */
export interface LoopBudget {
  maxDecodedFrames: number | null;
}

/** What the loop needs from its host (the worker). */
export interface LoopHost {
  /** Hands over one finished frame (metadata + converted pixels). */
  deliver(meta: FrameMeta, pixels: Uint8Array): void;
  /** True once the consumer cancelled; checked between packets. */
  cancelled(): boolean;
  warn(code: string, message: string, details?: Record<string, unknown>): void;
}

/** The parts of one run. */
export interface LoopParts {
  input: OpenedInput;
  reader: PacketReader;
  decoder: VideoDecoder;
  converter: FrameConverter;
  selector: Selector;
  budget: LoopBudget;
}

/** What a finished run reports. */
export interface LoopResult {
  manifest: SamplingManifest;
  stats: DecodeStats;
  error: FramepipeError | null;
}

interface Wanted {
  ref: FrameRef;
  selection: Selection;
}

/** Runs a GOP-wise decode of a seekable or finite input. Never throws: failures end the run and are returned. */
export function runGopLoop(parts: LoopParts, host: LoopHost): LoopResult {
  const loop = new GopLoop(parts, host);
  return loop.run();
}

class GopLoop {
  readonly #p: LoopParts;
  readonly #host: LoopHost;
  readonly #wanted = new Map<bigint, Wanted>();
  readonly #tb: number;
  readonly #analytic: boolean;
  #framesBefore = 0;
  #positionSeconds: number;
  #decoderDirty = false;
  #gopSeconds = 1;
  #seeks = 0;
  #delivered = 0;

  constructor(parts: LoopParts, host: LoopHost) {
    this.#p = parts;
    this.#host = host;
    this.#tb = parts.input.timeBaseSeconds;
    const info = parts.input.info;
    this.#analytic = info.constantFrameRate && info.fps !== null;
    this.#positionSeconds = info.startSeconds;
  }

  run(): LoopResult {
    let error: FramepipeError | null = null;
    try {
      this.#loop();
    } catch (err) {
      error = toFramepipeError(err);
    }
    try {
      this.#drain();
    } catch (err) {
      error ??= toFramepipeError(err);
    }
    this.#markMissing(error ? 'decode-error' : 'decode-error');
    const reason = error ? (error.code === 'ERR_ABORTED' ? 'aborted' : error.code === 'ERR_BUDGET_EXCEEDED' ? 'budget' : 'beyond-end') : 'beyond-end';
    const manifest = this.#p.selector.finish(reason, error?.code ?? null);
    return { manifest, stats: this.#stats(), error };
  }

  #loop(): void {
    const { selector, reader } = this.#p;
    for (;;) {
      if (this.#host.cancelled()) throw new FramepipeError('ERR_ABORTED', 'The run was cancelled.');
      if (selector.isDone()) return;
      const need = selector.nextNeededSeconds();
      if (need === null) return;
      this.#maybeSeek(need);
      const gop = reader.readGop();
      if (!gop) return;
      try {
        this.#processGop(gop);
      } finally {
        reader.release(gop);
      }
    }
  }

  #maybeSeek(needSeconds: number): void {
    const info = this.#p.input.info;
    if (!this.#analytic || !info.seekable) return;
    // Demuxing through a GOP or two is cheaper than a seek; beyond that, jump.
    if (needSeconds - this.#positionSeconds <= 2 * this.#gopSeconds) return;
    this.#drain();
    if (this.#p.reader.seek(needSeconds)) {
      this.#seeks++;
      this.#positionSeconds = needSeconds;
    }
  }

  #processGop(gop: Gop): void {
    const refs = this.#frameRefs(gop);
    const nextSeconds = gop.nextPts === null ? null : Number(gop.nextPts) * this.#tb;
    const first = refs[0];
    if (first && nextSeconds !== null) this.#gopSeconds = Math.max(this.#gopSeconds * 0.5, nextSeconds - first.ptsSeconds);
    this.#positionSeconds = nextSeconds ?? this.#positionSeconds;
    const selections = this.#p.selector.select(refs, nextSeconds);
    if (selections.length === 0) {
      this.#drain();
      return;
    }
    for (const selection of selections) {
      const ref = refs[selection.position] as FrameRef;
      this.#wanted.set(gop.displayPts[selection.position] as bigint, { ref, selection });
    }
    this.#decodeNeeded(gop);
  }

  #frameRefs(gop: Gop): FrameRef[] {
    const info = this.#p.input.info;
    const keyPts = new Set(gop.packets.filter((p) => p.keyframe).map((p) => p.pts));
    const refs = gop.displayPts.map((pts, i) => {
      const ptsSeconds = Number(pts) * this.#tb;
      const index = this.#analytic ? Math.round((ptsSeconds - info.startSeconds) * (info.fps as number)) : this.#framesBefore + i;
      return { index, ptsSeconds, keyframe: keyPts.has(pts) };
    });
    this.#framesBefore += refs.length;
    return refs;
  }

  #decodeNeeded(gop: Gop): void {
    const { decoder } = this.#p;
    let last = -1;
    gop.packets.forEach((p, i) => {
      if (this.#wanted.has(p.pts)) last = i;
    });
    const onFrame = (f: DecodedFrame) => this.#onFrame(f);
    for (let i = 0; i <= last; i++) {
      if (this.#host.cancelled()) throw new FramepipeError('ERR_ABORTED', 'The run was cancelled.');
      const p = gop.packets[i] as Gop['packets'][number];
      if (this.#p.selector.keyframesOnly && !p.keyframe) continue;
      decoder.send(p.packet, this.#wanted.has(p.pts), onFrame);
      this.#decoderDirty = true;
    }
    // Packets after the last needed one are not sent: the decoder must be reset before the next GOP.
    if (last < gop.packets.length - 1 || this.#p.selector.keyframesOnly) this.#drain();
  }

  #onFrame(decoded: DecodedFrame): void {
    const budget = this.#p.budget.maxDecodedFrames;
    if (budget !== null && this.#p.decoder.framesDecoded > budget) {
      throw new FramepipeError('ERR_BUDGET_EXCEEDED', `Decoding stopped after ${budget} frames (budget.maxDecodedFrames); raise the limit or sample fewer frames.`, {
        details: { limit: 'maxDecodedFrames', value: budget },
      });
    }
    const wanted = this.#wanted.get(decoded.pts);
    if (!wanted) return;
    this.#wanted.delete(decoded.pts);
    const pixels = this.#p.converter.convert(decoded.frame);
    const frameDuration = Number(decoded.frame.duration) * this.#tb;
    this.#delivered++;
    this.#host.deliver(
      { ...wanted.ref, durationSeconds: frameDuration > 0 ? frameDuration : null, decodedAtMs: Date.now() },
      pixels,
    );
  }

  #drain(): void {
    if (!this.#decoderDirty) return;
    this.#decoderDirty = false;
    this.#p.decoder.drain((f) => this.#onFrame(f));
    this.#markMissing('decode-error');
  }

  #markMissing(reason: 'decode-error'): void {
    for (const { selection } of this.#wanted.values()) {
      this.#p.selector.markUndelivered(selection, reason, 'the decoder produced no picture for this frame');
    }
    this.#wanted.clear();
  }

  #stats(): DecodeStats {
    const { reader, decoder } = this.#p;
    return {
      packetsRead: reader.packetsRead,
      packetsDecoded: decoder.packetsSent,
      framesDecoded: decoder.framesDecoded,
      framesDelivered: this.#delivered,
      seeks: this.#seeks,
      bytesRead: 0,
      reconnects: 0,
      hardwareDecoding: decoder.hardware,
    };
  }
}
