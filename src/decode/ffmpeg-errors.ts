/**
 * Translates FFmpeg's negative return codes into catalog errors that name the source and the fix.
 */
import {
  AVERROR_DECODER_NOT_FOUND,
  AVERROR_EIO,
  AVERROR_ENOENT,
  AVERROR_EOF,
  AVERROR_HTTP_BAD_REQUEST,
  AVERROR_HTTP_FORBIDDEN,
  AVERROR_HTTP_NOT_FOUND,
  AVERROR_HTTP_OTHER_4XX,
  AVERROR_HTTP_SERVER_ERROR,
  AVERROR_HTTP_TOO_MANY_REQUESTS,
  AVERROR_HTTP_UNAUTHORIZED,
  AVERROR_INVALIDDATA,
  AVERROR_PROTOCOL_NOT_FOUND,
  FFmpegError,
} from 'node-av';
import { FramepipeError } from '../core/errors.ts';

const ETIMEDOUT = -110;
const ECONNREFUSED = -111;
const ECONNRESET = -104;
const EHOSTUNREACH = -113;
const ENETUNREACH = -101;

const HTTP_STATUS: ReadonlyMap<number, number> = new Map([
  [AVERROR_HTTP_BAD_REQUEST, 400],
  [AVERROR_HTTP_UNAUTHORIZED, 401],
  [AVERROR_HTTP_FORBIDDEN, 403],
  [AVERROR_HTTP_NOT_FOUND, 404],
  [AVERROR_HTTP_TOO_MANY_REQUESTS, 429],
  [AVERROR_HTTP_OTHER_4XX, 499],
  [AVERROR_HTTP_SERVER_ERROR, 500],
]);

/** FFmpeg's text for an error code, e.g. "Invalid data found when processing input". */
export function describeAvError(code: number): string {
  try {
    return FFmpegError.strerror(code);
  } catch {
    return `FFmpeg error ${code}`;
  }
}

/** Maps a failure of `avformat_open_input`/`avformat_find_stream_info` to a catalog error. */
export function openError(code: number, source: string): FramepipeError {
  const reason = describeAvError(code);
  const details = { source, ffmpegCode: code, ffmpegMessage: reason };
  const status = HTTP_STATUS.get(code);
  if (status !== undefined) {
    return new FramepipeError('ERR_HTTP_STATUS', `HTTP ${status} from ${source}; check the URL and credentials.`, {
      details: { ...details, status },
      retriable: status >= 500 || status === 429,
    });
  }
  if (code === AVERROR_ENOENT) {
    return new FramepipeError('ERR_NOT_FOUND', `No such file: ${source}. Check the path.`, { details });
  }
  if (code === ETIMEDOUT) {
    return new FramepipeError('ERR_TIMEOUT', `${source} sent nothing before the timeout; raise timeoutMs or check the source.`, { details });
  }
  if ([ECONNREFUSED, ECONNRESET, EHOSTUNREACH, ENETUNREACH].includes(code)) {
    return new FramepipeError('ERR_UNREACHABLE', `Cannot connect to ${source} (${reason}); check that it is running and reachable.`, { details });
  }
  if (code === AVERROR_PROTOCOL_NOT_FOUND) {
    return new FramepipeError('ERR_UNSUPPORTED_SOURCE', `FFmpeg has no protocol for ${source}.`, { details });
  }
  if (code === AVERROR_INVALIDDATA || code === AVERROR_EOF) {
    return new FramepipeError(
      'ERR_NOT_A_VIDEO',
      `${source} is not a media file FFmpeg can read (${reason}); check that it is a complete video file.`,
      { details },
    );
  }
  if (code === AVERROR_EIO) {
    return new FramepipeError('ERR_UNREACHABLE', `I/O error reading ${source} (${reason}).`, { details, retriable: true });
  }
  return new FramepipeError('ERR_NOT_A_VIDEO', `Cannot open ${source}: ${reason}.`, { details });
}

/** Maps a failure while reading packets mid-stream. */
export function readError(code: number, source: string, positionSeconds: number | null): FramepipeError {
  const err = openError(code, source);
  if (err.code === 'ERR_NOT_A_VIDEO') {
    const at = positionSeconds === null ? '' : ` after ${positionSeconds.toFixed(3)}s`;
    return new FramepipeError('ERR_TRUNCATED', `${source} ended unexpectedly${at} (${describeAvError(code)}).`, {
      details: { ...err.details, positionSeconds },
    });
  }
  return err;
}

/** The decoder for a codec is missing from this FFmpeg build. */
export function unsupportedCodec(codec: string, source: string): FramepipeError {
  return new FramepipeError(
    'ERR_UNSUPPORTED_CODEC',
    `No decoder for codec "${codec}" in ${source}; transcode it to H.264, HEVC, VP9 or AV1.`,
    { details: { codec, source, ffmpegCode: AVERROR_DECODER_NOT_FOUND } },
  );
}
