/**
 * `framepipe frames SRC [sampling flags] --out DIR`: writes the sampled frames as images (or raw bytes)
 * plus DIR/frames.jsonl (one line per delivered frame) and DIR/manifest.json.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ImageEncoder } from '../decode/image.ts';
import { FramepipeError, openVideo } from '../index.ts';
import { openOptionsFromFlags, outputFromFlags, SAMPLING_FLAGS, samplingFromFlags, SOURCE_FLAGS, usageError } from './args.ts';
import { createProgress } from './progress.ts';

export const FRAMES_USAGE =
  'framepipe frames SRC --out DIR [--every N | --fps F | --count N [--first] | --at T1,T2 | --keyframes] [--start S] [--end S] [--max N] [--size WxH] [--fit fill|cover|contain] [--pix rgb24|bgr24|gray] [--format jpg|png|raw]';

export async function framesCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { out: { type: 'string' }, format: { type: 'string' }, quiet: { type: 'boolean' }, ...SOURCE_FLAGS, ...SAMPLING_FLAGS },
  });
  if (positionals.length !== 1) throw usageError(`frames needs exactly one source. Usage: ${FRAMES_USAGE}`);
  if (typeof values.out !== 'string') throw usageError(`frames needs --out DIR. Usage: ${FRAMES_USAGE}`);
  const imageFormat = (values.format ?? 'jpg') as string;
  if (!['jpg', 'png', 'raw'].includes(imageFormat)) throw usageError(`--format must be jpg, png or raw, got "${imageFormat}".`);
  const options = openOptionsFromFlags(values);
  const sampling = samplingFromFlags(values);
  const output = outputFromFlags(values);
  const dir = values.out;
  await prepareDir(dir);
  const video = await openVideo(positionals[0] as string, { ...options, sampling, output, onWarning: (w) => err.write(`warning ${w.code}: ${w.message}\n`) });
  const jsonl = await open(join(dir, 'frames.jsonl'), 'w');
  const progress = createProgress(err, values.quiet === true, estimateTotal(video.info, sampling));
  let encoder: ImageEncoder | null = null;
  try {
    for await (const frame of video.frames()) {
      const file = `frame_${String(frame.index).padStart(6, '0')}.${imageFormat}`;
      if (imageFormat === 'raw') await writeFile(join(dir, file), frame.data as Uint8Array);
      else {
        // FFmpeg's image encoders load in this thread only when images are written.
        encoder ??= new (await import('../decode/image.ts')).ImageEncoder(imageFormat as 'jpg' | 'png', frame.width, frame.height, frame.format);
        await writeFile(join(dir, file), encoder.encode(frame.data as Uint8Array));
      }
      await jsonl.write(`${JSON.stringify({ index: frame.index, ptsSeconds: frame.ptsSeconds, keyframe: frame.keyframe, file })}\n`);
      progress.tick(frame.index, frame.ptsSeconds);
    }
  } finally {
    progress.stop();
    encoder?.close();
    await jsonl.close();
    if (video.manifest) await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(video.manifest, null, 2)}\n`);
    await video.close();
  }
  const m = video.manifest;
  if (m && values.quiet !== true) {
    const skipped = Object.entries(m.skipped).map(([k, v]) => `${v} ${k}`).join(', ');
    out.write(`${m.delivered} frames written to ${dir}${skipped ? ` (skipped: ${skipped})` : ''}\n`);
  }
  return 0;
}

async function prepareDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new FramepipeError('ERR_INVALID_OPTIONS', `Cannot create the output directory ${dir}: ${(cause as Error).message}. Choose a writable --out.`, { cause });
  }
}

function estimateTotal(info: { frameCount: number | null; durationSeconds: number | null; fps: number | null }, s: ReturnType<typeof samplingFromFlags>): number | null {
  if (s.at) return s.at.length;
  if (s.count) return s.count;
  const frames = info.frameCount ?? (info.durationSeconds && info.fps ? Math.round(info.durationSeconds * info.fps) : null);
  let total: number | null = null;
  if (s.fps && info.durationSeconds) total = Math.ceil(info.durationSeconds * s.fps);
  else if (frames !== null && !s.keyframes) total = Math.ceil(frames / (s.every ?? 1));
  if (total !== null && s.maxFrames) total = Math.min(total, s.maxFrames);
  return total;
}
