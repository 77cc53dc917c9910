/**
 * Shared value types. Nothing here does work; every other folder speaks in these terms.
 * Units are in the names: `ptsSeconds`, `timeoutMs`, `maxBytes`.
 */

/** Pixel formats framepipe can deliver. */
export type PixelFormat = 'rgb24' | 'bgr24' | 'gray' | 'rgba';
/** Memory layout of one frame: height × width × channels, or channels × height × width. */
export type Layout = 'hwc' | 'chw';
/** Element type of delivered pixels. */
export type DType = 'uint8' | 'float32';
/** How a frame is fitted into the requested size: stretch, scale + centre crop, or letterbox. */
export type Fit = 'fill' | 'cover' | 'contain';

/** What is known about a video before decoding it. */
export interface VideoInfo {
  /** The source as given, with credentials and query strings removed. */
  source: string;
  /** FFmpeg's container (demuxer) name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  container: string;
  /** Video codec name, e.g. `h264`. */
  codec: string;
  /** Width as displayed: rotation applied. */
  width: number;
  /** Height as displayed: rotation applied. */
  height: number;
  /** Width as coded in the stream, before rotation. */
  codedWidth: number;
  /** Height as coded in the stream, before rotation. */
  codedHeight: number;
  /** Clockwise display rotation in degrees from the container's display matrix. */
  rotation: 0 | 90 | 180 | 270;
  /** Decoder pixel format, e.g. `yuv420p`, `yuv420p10le`. */
  pixelFormat: string;
  /** Colour range of the coded samples. */
  colorRange: 'limited' | 'full' | 'unknown';
  /** Average frame rate over the stream (frames / duration), or null when unknown. */
  fps: number | null;
  /** Nominal (container or codec) frame rate, or null when unknown. */
  nominalFps: number | null;
  /** Presentation time of the first frame, in seconds. */
  startSeconds: number;
  /** Duration in seconds, or null (live, or not declared). */
  durationSeconds: number | null;
  /** Number of frames when the container declares it, else null. */
  frameCount: number | null;
  /** True for live sources (RTSP, RTMP, SRT, UDP, TCP, live HLS, devices). */
  isLive: boolean;
  /** True when the input supports seeking. */
  seekable: boolean;
  /** True when timestamps advance at a constant rate, so frame indices follow from timestamps. */
  constantFrameRate: boolean;
  /** Estimated distance between keyframes, in frames, or null when not yet known. */
  keyframeIntervalEstimate: number | null;
  /** Whether the input has an audio stream. */
  hasAudio: boolean;
  /** Overall bit rate in bits per second, or null. */
  bitRate: number | null;
}

/**
 * Which frames to deliver. At most one of `every`, `fps`, `count`, `at` and `keyframes` may be set;
 * none means every frame. See `docs/sampling.md` for the exact meaning of each.
 */
export interface SamplingOptions {
  /** Deliver every Nth frame of the range: the 0th, Nth, 2Nth … frame at or after `startSeconds`. */
  every?: number;
  /** Deliver the frame displayed at each time `startSeconds + k / fps` on the media timeline. */
  fps?: number;
  /** Deliver N frames spread uniformly over the range (first and last frame included). */
  count?: number;
  /** With `count`: deliver the first N frames of the range instead of spreading them. */
  first?: boolean;
  /** Deliver the frame displayed at each of these media times, in seconds. */
  at?: readonly number[];
  /** Deliver keyframes only (the decoder skips everything else). */
  keyframes?: boolean;
  /** Start of the range on the media timeline, in seconds (fractional allowed). Default: the start. */
  startSeconds?: number;
  /** End of the range (exclusive), in seconds. Default: the end. */
  endSeconds?: number;
  /** Hard cap on delivered frames. */
  maxFrames?: number;
}

/** Size, crop, colour, layout and value type of delivered frames. */
export interface OutputOptions {
  /** Output width in pixels. Default: the displayed width (or derived from `height` keeping aspect). */
  width?: number;
  /** Output height in pixels. Default: the displayed height (or derived from `width` keeping aspect). */
  height?: number;
  /** How the frame fits `width`×`height` when both are given. Default `fill`. */
  fit?: Fit;
  /**
   * With `fit: 'cover'`: resize so the short side is this many pixels, then centre-crop width×height (as
   * CLIP-style image processors do). Default: just large enough to cover width×height.
   */
  shortestEdge?: number;
  /** Padding colour for `contain`, as `#rrggbb` or an FFmpeg colour name. Default `black`. */
  padColor?: string;
  /** Crop box in displayed-frame pixels, applied before resizing. */
  crop?: { x: number; y: number; width: number; height: number };
  /** Pixel format. Default `rgb24`. */
  pixelFormat?: PixelFormat;
  /** Memory layout. Default `hwc`. */
  layout?: Layout;
  /** Element type. Default `uint8`; `float32` scales to [0,1] then applies `mean`/`std`. */
  dtype?: DType;
  /** Per-channel mean subtracted after scaling to [0,1] (float32 only). */
  mean?: readonly number[];
  /** Per-channel standard deviation divided by after subtracting the mean (float32 only). */
  std?: readonly number[];
}

/** Metadata of one delivered frame. */
export interface FrameMeta {
  /** Number of the frame in the decoded stream, in display order, from 0. */
  index: number;
  /** Presentation time on the media timeline, in seconds. */
  ptsSeconds: number;
  /** Display duration in seconds, when known. */
  durationSeconds: number | null;
  /** Whether the frame is a keyframe. */
  keyframe: boolean;
  /** Wall-clock time (ms since the epoch) when the frame was decoded. */
  decodedAtMs: number;
}

/** One delivered frame with its pixels. */
export interface Frame extends FrameMeta {
  width: number;
  height: number;
  format: PixelFormat;
  layout: Layout;
  dtype: DType;
  /** Pixels: `height*width*channels` elements in `layout` order. */
  data: Uint8Array | Float32Array;
}

/** Several frames in one contiguous tensor. */
export interface Batch {
  /** Metadata of each frame, in order. */
  frames: FrameMeta[];
  /** `[N, H, W, C]` for `hwc` or `[N, C, H, W]` for `chw`. */
  shape: [number, number, number, number];
  format: PixelFormat;
  layout: Layout;
  dtype: DType;
  /** All frames back to back. */
  data: Uint8Array | Float32Array;
}

/** One requested sample: a frame number or a media time. */
export type Target = { kind: 'index'; index: number } | { kind: 'time'; seconds: number };

/** Why a requested target was not delivered. */
export type SkipReason = 'beyond-end' | 'decode-error' | 'budget' | 'dropped' | 'max-frames' | 'aborted';

/** What happened to one requested target. */
export interface ManifestEntry {
  target: Target;
  /** `delivered`, or why not. */
  status: 'delivered' | SkipReason;
  /** The delivered frame's index (several targets may resolve to one frame). */
  frameIndex?: number;
  /** The delivered frame's presentation time. */
  ptsSeconds?: number;
  /** Extra explanation, e.g. the error code that stopped the run. */
  detail?: string;
}

/** Requested versus delivered frames for one run, and why anything was not delivered. */
export interface SamplingManifest {
  /** The sampling options, in words. */
  plan: string;
  /** Number of targets requested, or null for open-ended plans (every frame, every N, keyframes). */
  requested: number | null;
  /** Number of frames delivered. */
  delivered: number;
  /** Entries for explicit targets (`fps`, `count`, `at`); for open-ended plans only the delivered frames. */
  entries: ManifestEntry[];
  /** Counts of undelivered targets by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** Error code that ended the run early, if any. */
  endedBy: string | null;
}

/** Work counters for one run. */
export interface DecodeStats {
  packetsRead: number;
  packetsDecoded: number;
  framesDecoded: number;
  framesDelivered: number;
  seeks: number;
  bytesRead: number;
  reconnects: number;
  hardwareDecoding: string | null;
}
