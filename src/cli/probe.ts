/**
 * `framepipe probe SRC [--json]`: what is known about a video before decoding it.
 */
import { parseArgs } from 'node:util';
import { openVideo, type VideoInfo } from '../index.ts';
import { openOptionsFromFlags, SOURCE_FLAGS, usageError } from './args.ts';

export const PROBE_USAGE = 'framepipe probe SRC [--json] [--header "K: V"] [--timeout-ms N]';

export async function probeCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, ...SOURCE_FLAGS } });
  if (positionals.length !== 1) throw usageError(`probe needs exactly one source. Usage: ${PROBE_USAGE}`);
  const video = await openVideo(positionals[0] as string, openOptionsFromFlags(values));
  try {
    const info = video.info;
    out.write(values.json ? `${JSON.stringify(info)}\n` : formatInfo(info));
  } finally {
    await video.close();
  }
  return 0;
}

function formatInfo(info: VideoInfo): string {
  const fps = (v: number | null) => (v === null ? 'unknown' : Number(v.toFixed(3)).toString());
  const rows: [string, string][] = [
    ['source', info.source],
    ['container', info.container],
    ['codec', `${info.codec} (${info.pixelFormat}, ${info.colorRange} range)`],
    ['size', `${info.width}x${info.height}${info.rotation ? ` (coded ${info.codedWidth}x${info.codedHeight}, rotated ${info.rotation}°)` : ''}`],
    ['fps', `${fps(info.fps)} average, ${fps(info.nominalFps)} nominal${info.constantFrameRate ? ', constant' : ''}`],
    ['start', `${info.startSeconds.toFixed(3)}s`],
    ['duration', info.durationSeconds === null ? (info.isLive ? 'live' : 'unknown') : `${info.durationSeconds.toFixed(3)}s`],
    ['frames', info.frameCount === null ? 'unknown' : String(info.frameCount)],
    ['keyframe interval', info.keyframeIntervalEstimate === null ? 'unknown' : `${info.keyframeIntervalEstimate} frames`],
    ['audio', info.hasAudio ? 'yes' : 'no'],
    ['seekable', info.seekable ? 'yes' : 'no'],
  ];
  return `${rows.map(([k, v]) => `${k.padEnd(18)} ${v}`).join('\n')}\n`;
}
