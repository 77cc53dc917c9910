/**
 * The synchronous decode loop that runs inside the decode worker for files and other finite inputs.
 *
 * It looks at the stream one display run at a time — the frames shown from one keyframe up to the next —
 * asks the sampling plan which of them it wants, and feeds the decoder, in decode order, only the packets
 * up to the last wanted one (non-reference packets nobody wants are dropped by the decoder). Runs with
 * nothing wanted are never decoded, long gaps are seeked over (constant-frame-rate inputs), and only
 * delivered frames are converted. Two GOPs are kept in view so that open GOPs (leading pictures that are
 * decoded after a keyframe but shown before it) land in the right run.
 */
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { DecodeStats, FrameMeta, SamplingManifest, SkipReason } from '../core/types.ts';
import type { DecodedFrame, FrameConverter, VideoDecoder } from '../decode/decoder.ts';
import type { OpenedInput } from '../decode/input.ts';
import type { Gop, GopPacket, PacketReader } from '../decode/packets.ts';
import type { FrameRef, Selection, Selector } from '../sampling/types.ts';

/** Limits checked while decoding. */
export interface LoopBudget {
  maxDecodedFrames: number | null;
  /** Longest stretch of media time to read, seconds (checked as frames arrive, for inputs without a declared duration too). */
  maxDurationSeconds: number | null;
}

/** Throws when `ptsSeconds` lies beyond the duration budget counted from `startSeconds`. */
export function checkDurationBudget(budget: LoopBudget, startSeconds: number, ptsSeconds: number): void {
  const max = budget.maxDurationSeconds;
  if (max !== null && ptsSeconds - startSeconds > max) {
    throw new FramepipeError('ERR_BUDGET_EXCEEDED', `Stopped at ${(ptsSeconds - startSeconds).toFixed(3)}s of media time, beyond budget.maxDurationSeconds=${max}; raise the limit or set sampling.endSeconds.`, {
      details: { limit: 'maxDurationSeconds', value: ptsSeconds - startSeconds, max },
    });
  }
}

/** What the loop needs from its host (the worker). */
export interface LoopHost {
  /**
   * Hands over one finished frame (metadata + converted pixels). `lost` is called if the run stops before
   * the frame reaches the consumer, so the manifest never counts it as delivered.
   */
  deliver(meta: FrameMeta, pixels: Uint8Array, lost: () => void): void;
  /** Calls `lost` for every frame handed over but not yet sent (a cancelled run). */
  abandon(): void;
  /** True once the consumer cancelled; checked between packets. */
  cancelled(): boolean;
  warn(code: string, message: string, details?: Record<string, unknown>): void;
  /**
   * Lets the worker's event loop turn. node-av frees native packets and frames only after their JS wrappers
   * are collected and finalized, which needs the event loop: a run that never yields grows without bound.
   */
  breathe(): Promise<void>;
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

/** A GOP with its place in the stream. */
interface Window {
  seq: number;
  gop: Gop;
  keyPts: bigint;
  /** True when no earlier run claimed this GOP's leading pictures (first GOP, or after a seek). */
  fresh: boolean;
}

interface Wanted {
  ref: FrameRef;
  selection: Selection;
}

/** Runs a GOP-wise decode of a finite input. Never throws: failures end the run and are returned. */
export function runGopLoop(parts: LoopParts, host: LoopHost): Promise<LoopResult> {
  return new GopLoop(parts, host).run();
}

/** The reason recorded in the manifest for targets left when a run stops with `error`. */
export function skipReasonFor(error: FramepipeError | null): SkipReason {
  if (!error) return 'beyond-end';
  if (error.code === 'ERR_ABORTED') return 'aborted';
  if (error.code === 'ERR_BUDGET_EXCEEDED') return 'budget';
  return 'beyond-end';
}

class GopLoop {
  readonly #p: LoopParts;
  readonly #host: LoopHost;
  readonly #wanted = new Map<bigint, Wanted>();
  readonly #tb: number;
  readonly #analytic: boolean;
  #cur: Window | null = null;
  #next: Window | null = null;
  #seq = 0;
  /** Last packet fed to the decoder: GOP sequence number and packet position. */
  #fed: { seq: number; at: number } | null = null;
  /** Last packet position of recently fed GOPs, to tell whether a GOP was fed to its end. */
  readonly #lengths = new Map<number, number>();
  #framesBefore = 0;
  #positionSeconds: number;
  #gopSeconds = 1;
  #seeks = 0;
  #delivered = 0;
  #ended = false;
  #lastSeconds = -Infinity;

  constructor(parts: LoopParts, host: LoopHost) {
    this.#p = parts;
    this.#host = host;
    this.#tb = parts.input.timeBaseSeconds;
    const info = parts.input.info;
    this.#analytic = info.constantFrameRate && info.fps !== null;
    this.#positionSeconds = info.startSeconds;
  }

  async run(): Promise<LoopResult> {
    let error: FramepipeError | null = null;
    try {
      await this.#loop();
    } catch (err) {
      error = toFramepipeError(err);
    }
    try {
      if (error?.code !== 'ERR_ABORTED') this.#drain();
    } catch (err) {
      error ??= toFramepipeError(err);
    }
    this.#markMissing(error?.code === 'ERR_ABORTED' ? 'aborted' : 'decode-error');
    if (error?.code === 'ERR_ABORTED') this.#host.abandon();
    for (const w of [this.#cur, this.#next]) if (w) this.#p.reader.release(w.gop);
    const manifest = this.#p.selector.finish(skipReasonFor(error), error?.code ?? null);
    return { manifest, stats: this.#stats(), error };
  }

  async #loop(): Promise<void> {
    const { selector } = this.#p;
    for (let runs = 0; ; runs++) {
      if (runs > 0) await this.#host.breathe();
      this.#checkCancelled();
      if (selector.isDone() || selector.nextNeededSeconds() === null) return this.#ended ? this.#checkComplete() : undefined;
      const need = selector.nextNeededSeconds() as number;
      this.#maybeSeek(need);
      this.#cur ??= this.#readWindow(true);
      if (!this.#cur) return this.#checkComplete();
      if (!this.#next && !this.#ended) this.#next = this.#readWindow(false);
      this.#processRun(this.#cur, this.#next);
      this.#p.reader.release(this.#cur.gop);
      this.#cur = this.#next;
      this.#next = null;
    }
  }

  #readWindow(fresh: boolean): Window | null {
    const gop = this.#p.reader.readGop();
    if (!gop) {
      this.#ended = true;
      return null;
    }
    const lastPts = gop.displayPts[gop.displayPts.length - 1] as bigint;
    this.#lastSeconds = Math.max(this.#lastSeconds, Number(lastPts) * this.#tb);
    const key = gop.packets.find((p) => p.keyframe) ?? (gop.packets[0] as GopPacket);
    return { seq: this.#seq++, gop, keyPts: key.pts, fresh };
  }

  /** At end of stream: an input that stops well before its declared duration was cut short. */
  #checkComplete(): void {
    // A read error that ended the stream (cut file, dropped connection) surfaces here.
    const extra = this.#p.reader.readGop();
    if (extra) this.#p.reader.release(extra);
    const { durationSeconds, startSeconds, fps, source } = this.#p.input.info;
    if (durationSeconds === null || this.#lastSeconds === -Infinity) return;
    const frame = fps ? 1 / fps : 0.04;
    const declaredEnd = startSeconds + durationSeconds;
    if (this.#lastSeconds + frame < declaredEnd - Math.max(2 * frame, 0.1)) {
      throw new FramepipeError('ERR_TRUNCATED', `${source} ends at ${this.#lastSeconds.toFixed(3)}s but declares ${declaredEnd.toFixed(3)}s: the file is truncated. Every frame before the cut was delivered; re-download the file for the rest.`, {
        details: { lastFrameSeconds: this.#lastSeconds, declaredEndSeconds: declaredEnd },
      });
    }
  }

  #maybeSeek(needSeconds: number): void {
    if (!this.#analytic || !this.#p.input.info.seekable) return;
    // Demuxing through a GOP or two is cheaper than a seek; beyond that, jump.
    if (needSeconds - this.#positionSeconds <= 2 * this.#gopSeconds) return;
    this.#drain();
    if (!this.#p.reader.seek(needSeconds)) return;
    for (const w of [this.#cur, this.#next]) if (w) this.#p.reader.release(w.gop);
    this.#cur = null;
    this.#next = null;
    this.#ended = false;
    this.#seeks++;
    this.#positionSeconds = needSeconds;
  }

  /** The frames shown from `cur`'s keyframe up to `next`'s: cur's own, plus next's leading pictures. */
  #runPackets(cur: Window, next: Window | null): GopPacket[] {
    const own = cur.fresh ? cur.gop.packets : cur.gop.packets.filter((p) => p.pts >= cur.keyPts);
    const leading = next ? next.gop.packets.filter((p) => p.pts < next.keyPts) : [];
    return [...own, ...leading].sort((a, b) => (a.pts < b.pts ? -1 : a.pts > b.pts ? 1 : 0));
  }

  #processRun(cur: Window, next: Window | null): void {
    const packets = this.#runPackets(cur, next);
    const refs = this.#frameRefs(packets);
    const last = refs[refs.length - 1];
    if (last) checkDurationBudget(this.#p.budget, this.#p.input.info.startSeconds, last.ptsSeconds);
    const nextSeconds = next ? Number(next.keyPts) * this.#tb : null;
    const first = refs[0];
    if (first && nextSeconds !== null) this.#gopSeconds = Math.max(this.#gopSeconds * 0.5, nextSeconds - first.ptsSeconds);
    if (nextSeconds !== null) this.#positionSeconds = nextSeconds;
    const selections = this.#p.selector.select(refs, nextSeconds);
    if (selections.length === 0) return;
    const pts = new Set(selections.map((sel) => (packets[sel.position] as GopPacket).pts));
    const lastInNext = next ? lastOf(next.gop.packets, pts) : -1;
    const lastInCur = lastInNext >= 0 ? cur.gop.packets.length - 1 : lastOf(cur.gop.packets, pts);
    // Frames still inside the decoder belong to earlier runs: flush them before jumping to a new position.
    if (!this.#continues(lastInCur >= 0 ? cur : (next as Window))) this.#drain();
    for (const selection of selections) {
      const packet = packets[selection.position] as GopPacket;
      this.#wanted.set(packet.pts, { ref: refs[selection.position] as FrameRef, selection });
    }
    if (lastInCur >= 0) this.#feedWindow(cur, lastInCur);
    if (next && lastInNext >= 0) this.#feedWindow(next, lastInNext);
  }

  /** True when feeding `w` next follows on from what the decoder has seen (same GOP, or the previous one fed to its end). */
  #continues(w: Window): boolean {
    const fed = this.#fed;
    if (!fed || fed.seq === w.seq) return true;
    return fed.seq === w.seq - 1 && fed.at === this.#lengths.get(fed.seq);
  }

  #frameRefs(packets: GopPacket[]): FrameRef[] {
    const info = this.#p.input.info;
    const refs = packets.map((p, i) => {
      const ptsSeconds = Number(p.pts) * this.#tb;
      const index = this.#analytic ? Math.round((ptsSeconds - info.startSeconds) * (info.fps as number)) : this.#framesBefore + i;
      return { index, ptsSeconds, keyframe: p.keyframe };
    });
    this.#framesBefore += refs.length;
    return refs;
  }

  #feedWindow(w: Window, last: number): void {
    const from = this.#fed && this.#fed.seq === w.seq ? this.#fed.at + 1 : 0;
    const onFrame = (f: DecodedFrame) => this.#onFrame(f);
    const keyOnly = this.#p.selector.keyframesOnly;
    for (let i = from; i <= last; i++) {
      this.#checkCancelled();
      const p = w.gop.packets[i] as GopPacket;
      this.#fed = { seq: w.seq, at: i };
      if (keyOnly && !p.keyframe) continue;
      this.#p.decoder.send(p.packet, this.#wanted.has(p.pts), onFrame);
    }
    this.#lengths.set(w.seq, w.gop.packets.length - 1);
    this.#lengths.delete(w.seq - 2);
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
    const durationSeconds = Number(decoded.frame.duration) * this.#tb;
    this.#delivered++;
    const lost = () => this.#p.selector.markUndelivered(wanted.selection, 'aborted', 'the run stopped before this frame reached the consumer');
    this.#host.deliver({ ...wanted.ref, durationSeconds: durationSeconds > 0 ? durationSeconds : null, decodedAtMs: Date.now() }, pixels, lost);
  }

  /** Outputs what the decoder still holds and resets it; wanted frames that did not come out failed to decode. */
  #drain(): void {
    if (this.#fed === null) return;
    this.#fed = null;
    this.#lengths.clear();
    this.#p.decoder.drain((f) => this.#onFrame(f));
    this.#markMissing();
  }

  #markMissing(reason: 'decode-error' | 'aborted' = 'decode-error'): void {
    const detail = reason === 'aborted' ? 'the run stopped before this frame was decoded' : 'the decoder produced no picture for this frame';
    for (const { selection } of this.#wanted.values()) this.#p.selector.markUndelivered(selection, reason, detail);
    this.#wanted.clear();
  }

  #checkCancelled(): void {
    if (this.#host.cancelled()) throw new FramepipeError('ERR_ABORTED', 'The run was cancelled.');
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

function lastOf(packets: GopPacket[], pts: Set<bigint>): number {
  for (let i = packets.length - 1; i >= 0; i--) if (pts.has((packets[i] as GopPacket).pts)) return i;
  return -1;
}
