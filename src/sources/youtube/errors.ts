/**
 * YouTube failures as catalog errors. A video YouTube will not play (removed, private, age-restricted,
 * region-blocked, an offline live stream) is `ERR_NOT_FOUND` with InnerTube's `status` and `reason` in
 * `details`: one code to handle, the status to tell the cases apart. InnerTube HTTP errors are
 * `ERR_HTTP_STATUS`, network failures `ERR_UNREACHABLE`/`ERR_TIMEOUT`, so the shared retry rules apply.
 */
import { abortError, FramepipeError, isFramepipeError } from '../../core/errors.ts';
import { isRetriableStatus } from '../retry.ts';
import { networkError } from '../upstream.ts';

/** Fixes to suggest per InnerTube playability status. */
const HINTS: Record<string, string> = {
  ERROR: 'Check the video id; the video may have been removed or never existed.',
  LOGIN_REQUIRED:
    'The video is private or age-restricted, or YouTube asks to sign in (e.g. a bot check); framepipe does not sign in. ' +
    'If you may watch it, pass `innertube`: a youtubei.js session with your cookies.',
  AGE_CHECK_REQUIRED: 'The video is age-restricted; pass `innertube`: a signed-in youtubei.js session.',
  CONTENT_CHECK_REQUIRED: 'YouTube asks to confirm viewing sensitive content; pass `innertube`: a signed-in youtubei.js session.',
  UNPLAYABLE: 'YouTube refuses playback for this client (region, embedding, membership or purchase); try another `client`.',
  LIVE_STREAM_OFFLINE: 'The live stream or premiere has not started; try again once it is live.',
};

/**
 * The error for a video whose InnerTube `playabilityStatus.status` is not `OK`. Retriable only for a live
 * stream that has not started yet.
 *
 * @example
 * ```ts
 * const err = playabilityError('dQw4w9WgXcQ', 'LOGIN_REQUIRED', 'This video is private');
 * err.code;    // 'ERR_NOT_FOUND'
 * err.details; // { videoId: 'dQw4w9WgXcQ', status: 'LOGIN_REQUIRED', reason: 'This video is private' }
 * ```
 */
export function playabilityError(videoId: string, status: string, reason: string): FramepipeError {
  const hint = HINTS[status] ?? 'YouTube will not play this video here.';
  const said = reason ? `"${reason}"` : 'no reason given';
  return new FramepipeError('ERR_NOT_FOUND', `YouTube video ${videoId} is not playable: ${said} (${status}). ${hint}`, {
    retriable: status === 'LIVE_STREAM_OFFLINE',
    details: { videoId, status, reason },
  });
}

/** What youtubei.js attaches to its `InnertubeError`: the playability status, or the HTTP body. */
interface InnertubeErrorShape {
  message: string;
  info?: unknown;
}

/**
 * Maps whatever a youtubei.js call threw to a catalog error.
 *
 * @param timedOut true when the per-request timeout (not the caller's signal) cut the request.
 * @example
 * ```ts
 * try { await innertube.getBasicInfo(id); } catch (err) { throw innertubeFailure(err, id, o.timeoutMs, o.signal); }
 * ```
 */
export function innertubeFailure(err: unknown, videoId: string, timeoutMs: number, signal?: AbortSignal): FramepipeError {
  if (isFramepipeError(err)) return err;
  if (signal?.aborted) return abortError(signal);
  const name = (err as { name?: string } | null)?.name;
  if (name === 'TimeoutError') {
    return new FramepipeError(
      'ERR_TIMEOUT',
      `YouTube (InnerTube) did not answer within ${timeoutMs} ms for video ${videoId}. Raise timeoutMs or retry later.`,
      {
        cause: err,
        details: { videoId, timeoutMs },
      },
    );
  }
  if (err instanceof TypeError && err.message === 'fetch failed') return networkError(err.cause ?? err, null, 'YouTube (InnerTube)');
  const shape = err as InnertubeErrorShape;
  const info = shape?.info as { status?: unknown; reason?: unknown } | undefined;
  if (typeof info?.status === 'string' && info.status !== 'OK') {
    return playabilityError(videoId, info.status, typeof info.reason === 'string' ? info.reason : '');
  }
  const status = Number(/failed with status code (\d{3})/.exec(shape?.message ?? '')?.[1]);
  if (Number.isInteger(status)) {
    return new FramepipeError(
      'ERR_HTTP_STATUS',
      `YouTube (InnerTube) answered HTTP ${status} for video ${videoId}. ${statusHint(status)}`,
      {
        cause: err,
        retriable: isRetriableStatus(status),
        details: { status, videoId },
      },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new FramepipeError(
    'ERR_INTERNAL',
    `youtubei.js could not read YouTube's answer for video ${videoId}: ${message}. YouTube may have changed its API; update youtubei.js.`,
    { cause: err, details: { videoId } },
  );
}

function statusHint(status: number): string {
  if (status === 429) return 'YouTube is rate-limiting this address; slow down or retry later.';
  if (status === 403 || status === 401) return 'YouTube refused the request; the client may need a PO token or cookies (pass `innertube`).';
  if (isRetriableStatus(status)) return 'Retry later.';
  return 'Try another `client` or update youtubei.js.';
}
