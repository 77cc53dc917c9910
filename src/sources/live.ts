/**
 * Live network sources (RTSP, RTMP, SRT, UDP, TCP, RTP) and capture devices (V4L2). FFmpeg opens them
 * directly; this layer only adds the timeouts that make a silent source end instead of hanging, and the
 * reconnect policy the decode loop follows.
 */
import { FramepipeError } from '../core/errors.ts';
import { fillReconnect, resolveSourceOptions } from './options.ts';
import { displayNameOf } from './sniff.ts';
import { createSource, microseconds } from './source.ts';
import type { SourceInput, SourceResolver } from './types.ts';

/** Schemes the live resolver accepts. */
export const LIVE_SCHEMES = ['rtsp', 'rtsps', 'rtmp', 'rtmps', 'srt', 'udp', 'tcp', 'rtp'] as const;

/** Packets of 188 bytes in FFmpeg's UDP receive FIFO: about 9.4 MB, room for a few seconds of HD video. */
export const UDP_FIFO_PACKETS = 50_000;

function schemeOf(input: SourceInput): string | null {
  if (input instanceof URL) return input.protocol.slice(0, -1).toLowerCase();
  if (typeof input !== 'string') return null;
  return /^([a-z][a-z0-9+.-]*):/i.exec(input)?.[1]?.toLowerCase() ?? null;
}

/**
 * FFmpeg input options that bound how long a live source may stay silent, per protocol. All times are
 * in microseconds, as FFmpeg expects.
 *
 * @example
 * ```ts
 * liveFfmpegOptions('rtsp', 5000); // { timeout: '5000000', rtsp_transport: 'tcp' }
 * ```
 */
export function liveFfmpegOptions(scheme: string, timeoutMs: number): Record<string, string> {
  const us = microseconds(timeoutMs);
  switch (scheme) {
    case 'rtsp':
    case 'rtsps':
      // RTSP's `timeout` is the socket I/O timeout; TCP transport survives NAT and lossy Wi-Fi, unlike UDP.
      return { timeout: us, rtsp_transport: 'tcp' };
    case 'udp':
      // A full FIFO would otherwise be fatal; dropping packets is the lesser evil for live video.
      return { rw_timeout: us, timeout: us, overrun_nonfatal: '1', fifo_size: String(UDP_FIFO_PACKETS) };
    case 'rtp':
      return { rw_timeout: us, timeout: us };
    default:
      // rtmp(s), srt, tcp: the generic I/O timeout (their own `timeout` options mean other things).
      return { rw_timeout: us };
  }
}

/** `rtsp://user:pass@cam/stream?x` → `rtsp://cam/stream`, also for strings URL() cannot parse. */
function liveDisplayName(input: string | URL): string {
  const url = input instanceof URL ? input : URL.parse(input);
  if (url?.host) return displayNameOf(url);
  return String(input).replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '');
}

/**
 * Resolves live network URLs: the URL is passed to FFmpeg unchanged, `isLive` is true and the reconnect
 * policy is filled (enabled, 10 attempts, 500 ms doubling to 10 s). Override any default FFmpeg option,
 * e.g. `{ ffmpegOptions: { rtsp_transport: 'udp' } }`.
 *
 * @example
 * ```ts
 * const source = await liveResolver.resolve('rtsp://cam.local/stream', { timeoutMs: 5000 });
 * source.ffmpegOptions; // { timeout: '5000000', rtsp_transport: 'tcp' }
 * ```
 */
export const liveResolver: SourceResolver = {
  name: 'live',
  canResolve: (input) => (LIVE_SCHEMES as readonly string[]).includes(schemeOf(input) ?? ''),
  async resolve(input, options) {
    const scheme = schemeOf(input);
    if (scheme === null || !(LIVE_SCHEMES as readonly string[]).includes(scheme)) {
      throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', `The live resolver accepts only ${LIVE_SCHEMES.join(', ')} URLs.`);
    }
    const o = resolveSourceOptions(options);
    const url = input instanceof URL ? input.href : String(input);
    return createSource({
      url,
      ffmpegOptions: liveFfmpegOptions(scheme, o.timeoutMs),
      displayName: liveDisplayName(input as string | URL),
      kind: 'live',
      isLive: true,
      reconnect: fillReconnect(o.reconnect, true),
    });
  },
};

/** The device path for `/dev/videoN` and `v4l2:///dev/videoN`, or null. */
export function devicePathOf(input: SourceInput): string | null {
  const text = input instanceof URL ? input.href : typeof input === 'string' ? input : null;
  if (text === null) return null;
  const match = /^(?:v4l2:\/\/)?(\/dev\/video\d+)$/i.exec(text);
  return match?.[1] ?? null;
}

/**
 * Resolves V4L2 capture devices (`/dev/video0`, `v4l2:///dev/video0`) with format `v4l2`; live, with the
 * reconnect policy filled (a camera that is unplugged and plugged back in is reopened).
 *
 * @example
 * ```ts
 * const cam = await deviceResolver.resolve('/dev/video0', {});
 * cam.format; // 'v4l2'
 * ```
 */
export const deviceResolver: SourceResolver = {
  name: 'device',
  canResolve: (input) => devicePathOf(input) !== null,
  async resolve(input, options) {
    const path = devicePathOf(input);
    if (path === null) throw new FramepipeError('ERR_UNSUPPORTED_SOURCE', 'The device resolver accepts only /dev/videoN and v4l2:///dev/videoN.');
    const o = resolveSourceOptions(options);
    return createSource({
      url: path,
      format: 'v4l2',
      displayName: path,
      kind: 'device',
      isLive: true,
      reconnect: fillReconnect(o.reconnect, true),
    });
  },
};
