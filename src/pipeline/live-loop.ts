/**
 * The decode loop for live sources: packets are decoded as they arrive (no GOP look-ahead, which would
 * add a GOP of latency), frames are numbered as they come out, and a dropped or silent source is
 * reopened with exponential backoff. Timestamps stay monotonic across reconnects.
 */
import { FramepipeError, toFramepipeError } from '../core/errors.ts';
import type { DecodeStats } from '../core/types.ts';
import { type DecodedFrame, VideoDecoder } from '../decode/decoder.ts';
import { closeInput, type OpenedInput, openInput } from '../decode/input.ts';
import { PacketReader } from '../decode/packets.ts';
import type { FrameRef } from '../sampling/types.ts';
import { checkDurationBudget, skipReasonFor, type LoopHost, type LoopParts, type LoopResult } from './decode-loop.ts';
import type { OpenRequest } from './worker-protocol.ts';

/** Host abilities the live loop needs beyond {@link LoopHost}. */
export interface LiveHost extends LoopHost {
  /** Sleeps up to `ms`, returning early when cancelled. */
  sleep(ms: number): void;
  /** Called when the input was reopened, so the owner can close the new one later. */
  replaced(input: OpenedInput): void;
}

interface Held {
  ref: FrameRef;
  frame: DecodedFrame['frame'];
}

/** Runs until the plan is done, the consumer cancels, or reconnecting fails. Never throws. */
export async function runLiveLoop(parts: LoopParts, host: LiveHost, request: OpenRequest): Promise<LoopResult> {
  const state = { input: parts.input, reader: parts.reader, decoder: parts.decoder, index: 0, offset: 0, lastPts: null as number | null, firstPts: null as number | null, reconnects: 0, packetsDecodedBefore: 0, framesDecodedBefore: 0, delivered: 0, packets: 0 };
  let held: Held | null = null;
  let error: FramepipeError | null = null;
  const emit = (ref: FrameRef, frame: DecodedFrame['frame'], nextPts: number | null) => {
    const selections = parts.selector.select([ref], nextPts);
    const selection = selections[0];
    if (!selection) return;
    state.delivered++;
    const lost = () => parts.selector.markUndelivered(selection, 'aborted', 'the run stopped before this frame reached the consumer');
    host.deliver({ ...ref, durationSeconds: null, decodedAtMs: Date.now() }, parts.converter.convert(frame), lost);
  };
  const onFrame = (decoded: DecodedFrame) => {
    const ptsSeconds = Number(decoded.pts) * state.input.timeBaseSeconds + state.offset;
    state.firstPts ??= ptsSeconds;
    checkDurationBudget(parts.budget, state.firstPts, ptsSeconds);
    const ref = { index: state.index++, ptsSeconds, keyframe: decoded.frame.keyFrame !== 0 };
    if (held) {
      emit(held.ref, held.frame, ptsSeconds);
      held.frame.free();
    }
    held = { ref, frame: decoded.frame.clone() as DecodedFrame['frame'] };
    state.lastPts = ptsSeconds;
  };
  let failures = 0;
  try {
    for (;;) {
      if (host.cancelled()) throw new FramepipeError('ERR_ABORTED', 'The run was cancelled.');
      if (parts.selector.isDone()) break;
      let packet: ReturnType<PacketReader['next']>;
      try {
        packet = state.reader.next();
      } catch (err) {
        packet = null;
        host.warn('source-error', `Live source failed: ${toFramepipeError(err).message}`);
      }
      if (packet) {
        failures = 0;
        if (++state.packets % 64 === 0) await host.breathe();
        if (!parts.selector.keyframesOnly || packet.keyframe) state.decoder.send(packet.packet, true, onFrame);
        state.reader.recycle(packet);
        continue;
      }
      state.decoder.drain(onFrame);
      if (!request.reconnect.enabled) break;
      failures = reconnect(state, host, request, failures);
    }
  } catch (err) {
    error = toFramepipeError(err);
  }
  if (error?.code === 'ERR_ABORTED') host.abandon();
  const last = held as Held | null;
  if (last && !error) emit(last.ref, last.frame, null);
  last?.frame.free();
  if (state.input !== parts.input) {
    state.reader.close();
    state.decoder.close();
  }
  const reason = skipReasonFor(error);
  return { manifest: parts.selector.finish(reason, error?.code ?? null), stats: stats(state, parts), error };
}

type LiveState = { input: OpenedInput; reader: PacketReader; decoder: VideoDecoder; offset: number; lastPts: number | null; reconnects: number; packetsDecodedBefore: number; framesDecodedBefore: number };

function reconnect(state: LiveState, host: LiveHost, request: OpenRequest, failures: number): number {
  const policy = request.reconnect;
  for (let attempt = failures; ; attempt++) {
    if (attempt >= policy.maxAttempts) {
      throw new FramepipeError('ERR_SOURCE_ENDED', `${state.input.info.source} ended and ${policy.maxAttempts} reconnect attempts failed; check the source or raise reconnect.maxAttempts.`, {
        details: { attempts: attempt },
      });
    }
    const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
    host.warn('reconnect', `Live source ${state.input.info.source} dropped; reconnecting in ${delay} ms (attempt ${attempt + 1}/${policy.maxAttempts}).`, { attempt: attempt + 1, delayMs: delay });
    host.sleep(delay);
    if (host.cancelled()) throw new FramepipeError('ERR_ABORTED', 'The run was cancelled.');
    try {
      const input = openInput(request.spec);
      state.reader.close();
      // Counters live in the decoder being replaced: keep its totals.
      state.packetsDecodedBefore += state.decoder.packetsSent;
      state.framesDecodedBefore += state.decoder.framesDecoded;
      state.decoder.close();
      closeInput(state.input.formatContext);
      state.input = input;
      state.reader = new PacketReader(input);
      state.decoder = new VideoDecoder(input, { ...request.decoder, onWarning: host.warn });
      host.replaced(input);
      state.reconnects++;
      // Continue the timeline where it stopped: the new session's first frame follows the last one.
      state.offset = (state.lastPts ?? 0) + 1 / (input.info.fps ?? 30) - input.info.startSeconds;
      return attempt + 1;
    } catch (err) {
      host.warn('reconnect-failed', toFramepipeError(err).message);
    }
  }
}

function stats(state: LiveState & { delivered: number; packets: number }, parts: LoopParts): DecodeStats {
  return {
    packetsRead: state.packets,
    packetsDecoded: state.packetsDecodedBefore + state.decoder.packetsSent,
    framesDecoded: state.framesDecodedBefore + state.decoder.framesDecoded,
    framesDelivered: state.delivered,
    seeks: 0,
    bytesRead: 0,
    reconnects: state.reconnects,
    hardwareDecoding: parts.decoder.hardware,
  };
}
