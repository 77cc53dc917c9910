/**
 * Demuxing in GOPs: packets are read from one keyframe up to the next, so the caller can decide, before
 * decoding anything, which frames of the GOP it needs — and skip whole GOPs that hold none.
 */
import { AV_NOPTS_VALUE, AVERROR_EAGAIN, AVERROR_EOF, AVSEEK_FLAG_BACKWARD, Packet } from 'node-av';
import type { FramepipeError } from '../core/errors.ts';
import { readError } from './ffmpeg-errors.ts';
import type { OpenedInput } from './input.ts';

/** One demuxed packet of the video stream. */
export interface GopPacket {
  packet: Packet;
  /** Presentation timestamp in stream time-base units. */
  pts: bigint;
  keyframe: boolean;
}

/** Packets from a keyframe (usually) up to, not including, the next keyframe. */
export interface Gop {
  /** Packets in decode order. */
  packets: GopPacket[];
  /** The packets' timestamps in display order. */
  displayPts: bigint[];
  /** Timestamp of the frame that follows this GOP, or null at end of stream. */
  nextPts: bigint | null;
}

// A run longer than this is cut even without a keyframe (intra refresh streams, broken files) so memory stays bounded.
const MAX_GOP_PACKETS = 1024;
/** Two GOPs of the largest size are in use at once; keep that many packet objects for reuse. */
const MAX_POOLED_PACKETS = 2 * MAX_GOP_PACKETS + 2;

function allocPacket(): Packet {
  const packet = new Packet();
  packet.alloc();
  return packet;
}

/** Reads the video stream of an open input GOP by GOP. */
export class PacketReader {
  readonly #input: OpenedInput;
  readonly #scratch = new Packet();
  readonly #pool: Packet[] = [];
  #lookahead: GopPacket | null = null;
  #ended = false;
  #pendingError: FramepipeError | null = null;
  #lastPts: bigint | null = null;
  #closed = false;
  packetsRead = 0;
  /** Largest number of packets seen between two keyframes. */
  maxGopPackets = 0;

  constructor(input: OpenedInput) {
    this.#input = input;
    this.#scratch.alloc();
  }

  /** Reads the next GOP; null at end of stream. Throws a catalog error for read failures (after delivering earlier GOPs). */
  readGop(): Gop | null {
    if (this.#pendingError) {
      const err = this.#pendingError;
      this.#pendingError = null;
      throw err;
    }
    const packets: GopPacket[] = [];
    if (this.#lookahead) packets.push(this.#lookahead);
    this.#lookahead = null;
    while (packets.length < MAX_GOP_PACKETS) {
      const next = this.#readPacket();
      if (!next) break;
      if (next.keyframe && packets.length > 0) {
        this.#lookahead = next;
        break;
      }
      packets.push(next);
    }
    if (packets.length === 0) return null;
    if (this.#lookahead) this.maxGopPackets = Math.max(this.maxGopPackets, packets.length);
    const displayPts = packets.map((p) => p.pts).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { packets, displayPts, nextPts: this.#lookahead?.pts ?? this.#peekNextPts() };
  }

  /** Reads the next packet of the video stream (live sources read packet by packet); null at end. Throws read errors. */
  next(): GopPacket | null {
    if (this.#lookahead) {
      const p = this.#lookahead;
      this.#lookahead = null;
      return p;
    }
    const p = this.#readPacket();
    if (!p && this.#pendingError) {
      const err = this.#pendingError;
      this.#pendingError = null;
      throw err;
    }
    return p;
  }

  /** Seeks to the last keyframe at or before `seconds`. Returns false when the demuxer refused. */
  seek(seconds: number): boolean {
    const { stream, timeBaseSeconds, formatContext } = this.#input;
    const ts = BigInt(Math.floor(seconds / timeBaseSeconds));
    const ret = formatContext.seekFrameSync(stream.index, ts, AVSEEK_FLAG_BACKWARD);
    if (ret < 0) return false;
    this.#lookahead = null;
    this.#ended = false;
    this.#lastPts = null;
    return true;
  }

  /** Frees packets of a GOP that has been dealt with. */
  release(gop: Gop): void {
    for (const p of gop.packets) this.recycle(p);
  }

  /**
   * Returns a packet's object to the reader's pool. node-av frees a native object only after its JS wrapper
   * is collected, which a long synchronous run never lets happen: reusing packets keeps memory flat.
   */
  recycle(p: GopPacket): void {
    p.packet.unref();
    if (this.#pool.length < MAX_POOLED_PACKETS) this.#pool.push(p.packet);
    else p.packet.free();
  }

  /** Frees the reader's packets; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#lookahead) this.#lookahead.packet.free();
    this.#lookahead = null;
    for (const packet of this.#pool.splice(0)) packet.free();
    this.#scratch.free();
  }

  #peekNextPts(): bigint | null {
    // The loop stopped at the size cap: read one more packet so the GOP's end is known.
    if (this.#ended) return null;
    const next = this.#readPacket();
    if (!next) return null;
    this.#lookahead = next;
    return next.pts;
  }

  #readPacket(): GopPacket | null {
    if (this.#ended) return null;
    const { formatContext, stream } = this.#input;
    for (;;) {
      const ret = formatContext.readFrameSync(this.#scratch);
      if (ret === AVERROR_EAGAIN) continue;
      if (ret < 0) {
        this.#ended = true;
        if (ret !== AVERROR_EOF) this.#pendingError = readError(ret, this.#input.info.source, this.#positionSeconds());
        return null;
      }
      if (this.#scratch.streamIndex !== stream.index) {
        this.#scratch.unref();
        continue;
      }
      this.packetsRead++;
      const packet = this.#pool.pop() ?? allocPacket();
      packet.ref(this.#scratch);
      this.#scratch.unref();
      const pts = this.#timestampOf(packet);
      return { packet, pts, keyframe: packet.isKeyframe };
    }
  }

  #timestampOf(packet: Packet): bigint {
    let pts = packet.pts !== AV_NOPTS_VALUE ? packet.pts : packet.dts;
    if (pts === AV_NOPTS_VALUE) pts = this.#lastPts === null ? 0n : this.#lastPts + (packet.duration > 0n ? packet.duration : 1n);
    this.#lastPts = pts;
    return pts;
  }

  #positionSeconds(): number | null {
    return this.#lastPts === null ? null : Number(this.#lastPts) * this.#input.timeBaseSeconds;
  }
}
