/**
 * Benchmark inputs, generated with the FFmpeg CLI (never downloaded) into `bench/.media/` (gitignored) on
 * first use. Each file's name carries a hash of its recipe, so editing a recipe regenerates it; a sidecar
 * `.json` holds what ffprobe verified (packet count, duration, keyframe interval), and a file without a
 * sidecar is regenerated. Files are written under a temporary name and renamed into place.
 *
 * All inputs follow BENCHMARKS.md's recipe: testsrc2, 30 fps, libx264 `-preset veryfast -g 60`, yuv420p,
 * with libx264's default B-frames. The 1-hour 320×180 clip is encoded directly (about 2 minutes on 2 cores).
 *
 * @example
 * ```sh
 * node bench/media.ts            # generates and verifies every input, prints their paths
 * ```
 * ```ts
 * const { path, frames } = await ensureMedia('clip1080');
 * ```
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './lib.ts';

const run = promisify(execFile);

/** Absolute path of `bench/.media/`. */
export const MEDIA_DIR = join(ROOT, 'bench', '.media');

/** Bump to regenerate every input (e.g. when the verification below changes). */
const RECIPE_VERSION = 1;

interface Recipe {
  size: string;
  seconds: number;
}

/** The inputs: 1080p30 for 60 s (1800 frames), 320×180 for 10 minutes and for 1 hour. */
export const RECIPES = {
  clip1080: { size: '1920x1080', seconds: 60 },
  clip180p10min: { size: '320x180', seconds: 600 },
  clip180p1h: { size: '320x180', seconds: 3600 },
} as const satisfies Record<string, Recipe>;

/** Name of a benchmark input. */
export type MediaName = keyof typeof RECIPES;

/** A generated and verified input. */
export interface Media {
  name: MediaName;
  path: string;
  /** Video packets counted by ffprobe (= frames). */
  frames: number;
  durationSeconds: number;
  fps: number;
  bytes: number;
  /** Frames between keyframes, from the first two keyframes. */
  gop: number;
  /** True when the stream has B-frames (display order differs from decode order). */
  bFrames: boolean;
}

const FPS = 30;

function ffmpegArgs(r: Recipe): string[] {
  return [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${r.size}:rate=${FPS}`, '-t', String(r.seconds)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-pix_fmt', 'yuv420p'],
  ];
}

function fileFor(name: MediaName): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([RECIPE_VERSION, ffmpegArgs(RECIPES[name])]))
    .digest('hex')
    .slice(0, 10);
  return join(MEDIA_DIR, `${name}-${hash}.mp4`);
}

const pending = new Map<MediaName, Promise<Media>>();

/** Returns the input `name`, generating and verifying it first if needed. */
export function ensureMedia(name: MediaName): Promise<Media> {
  let p = pending.get(name);
  if (!p) {
    p = load(name);
    pending.set(name, p);
  }
  return p;
}

async function load(name: MediaName): Promise<Media> {
  const path = fileFor(name);
  const sidecar = `${path}.json`;
  try {
    const media = JSON.parse(await readFile(sidecar, 'utf8')) as Media;
    if ((await stat(path)).size === media.bytes) return media;
  } catch {
    // No sidecar or no file yet: generate below.
  }
  await mkdir(MEDIA_DIR, { recursive: true });
  const recipe = RECIPES[name];
  const tmp = `${path}.${process.pid}.tmp.mp4`;
  process.stderr.write(`generating ${name} (${recipe.size}, ${recipe.seconds} s) …\n`);
  const start = Date.now();
  try {
    await run('ffmpeg', [...ffmpegArgs(recipe), tmp], { maxBuffer: 1 << 24 });
    const media = await verify(name, tmp, recipe);
    await rename(tmp, path);
    const done = { ...media, path };
    await writeFile(sidecar, `${JSON.stringify(done, null, 2)}\n`);
    process.stderr.write(`generated ${name} in ${((Date.now() - start) / 1000).toFixed(1)} s: ${path}\n`);
    return done;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Checks frame count, duration, GOP and B-frames with ffprobe; throws when the file is not what the recipe says. */
async function verify(name: MediaName, path: string, recipe: Recipe): Promise<Media> {
  const { stdout } = await run(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v:0', '-count_packets'],
      ...['-show_entries', 'stream=nb_read_packets,r_frame_rate,has_b_frames:format=duration,size', '-of', 'json', path],
    ],
    { maxBuffer: 1 << 24 },
  );
  const probe = JSON.parse(stdout) as {
    streams: { nb_read_packets: string; r_frame_rate: string; has_b_frames: number }[];
    format: { duration: string; size: string };
  };
  const stream = probe.streams[0];
  if (!stream) throw new Error(`${path}: no video stream`);
  const frames = Number(stream.nb_read_packets);
  const durationSeconds = Number(probe.format.duration);
  const expected = recipe.seconds * FPS;
  if (frames !== expected) throw new Error(`${name}: ${frames} frames, expected ${expected}`);
  if (Math.abs(durationSeconds - recipe.seconds) > 0.1)
    throw new Error(`${name}: duration ${durationSeconds} s, expected ${recipe.seconds} s`);
  if (stream.r_frame_rate !== `${FPS}/1`) throw new Error(`${name}: frame rate ${stream.r_frame_rate}, expected ${FPS}/1`);
  return {
    name,
    path,
    frames,
    durationSeconds,
    fps: FPS,
    bytes: Number(probe.format.size),
    gop: await keyframeInterval(path),
    bFrames: stream.has_b_frames > 0,
  };
}

/** Distance in frames between the first two keyframes (reads only the first few seconds of packets). */
async function keyframeInterval(path: string): Promise<number> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+5'],
    ...['-show_entries', 'packet=pts,flags', '-of', 'csv=p=0', path],
  ]);
  const pts = stdout
    .trim()
    .split('\n')
    .map((l) => l.split(','))
    .filter(([, flags]) => flags?.startsWith('K'))
    .map(([p]) => Number(p))
    .sort((a, b) => a - b);
  const { stdout: tb } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=time_base',
    '-of',
    'csv=p=0',
    path,
  ]);
  const [num, den] = tb.trim().split('/').map(Number);
  if (pts.length < 2 || !num || !den) return 0;
  return Math.round((((pts[1] as number) - (pts[0] as number)) * num * FPS) / den);
}

if (import.meta.main) {
  for (const name of Object.keys(RECIPES) as MediaName[]) {
    const m = await ensureMedia(name);
    console.log(
      `${name}: ${m.frames} frames, ${m.durationSeconds} s, GOP ${m.gop}, B-frames ${m.bFrames}, ${(m.bytes / 1e6).toFixed(1)} MB — ${m.path}`,
    );
  }
}
