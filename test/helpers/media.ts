/**
 * Tiny generated test media. Each fixture is made with the ffmpeg CLI on first use into `test/.fixtures/`
 * (gitignored), under a name that carries a hash of its recipe, so editing a recipe regenerates it.
 * Files are written to a temporary name and renamed into place, so parallel test processes that race on
 * the same fixture both end up with a complete file. The whole set takes a few seconds on 2 cores.
 *
 * Unless a fixture says otherwise, video is `testsrc2` (a moving test pattern with a frame counter),
 * 320x240 at 30 fps, H.264 (libx264 defaults plus the options listed), yuv420p, limited (tv) range.
 *
 * @example
 * ```ts
 * import { fixture } from './helpers/media.ts';
 * const path = await fixture('h264-bframes.mp4');
 * ```
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runFfmpeg } from './ffmpeg.ts';

/**
 * Absolute path of `test/.fixtures/`, where fixtures are generated.
 *
 * @example
 * ```sh
 * rm -rf test/.fixtures   # forces regeneration on the next test run
 * ```
 */
export const FIXTURES_DIR = fileURLToPath(new URL('../.fixtures/', import.meta.url));

/** Bump when a helper that a byte recipe calls changes behaviour (its own source is already hashed). */
const RECIPE_VERSION = 1;

type Recipe =
  /** `ffmpeg <args> <out>`; args may depend on what this ffmpeg build offers. */
  | { kind: 'encode'; args: readonly string[] | (() => Promise<readonly string[]>) }
  /** `ffmpeg -i <fixture from> <args> <out>`. */
  | { kind: 'remux'; from: string; args: readonly string[] }
  /** Bytes computed from another fixture's bytes (or from nothing). */
  | { kind: 'bytes'; from?: string; make: (base: Buffer) => Buffer };

/** Splits a command-line fragment without quoted parts into ffmpeg arguments. */
const ff = (line: string): string[] => line.split(' ');
const lavfi = (size: string, seconds: number, extra = '') =>
  ff(`-f lavfi -i testsrc2=size=${size}:rate=30:duration=${seconds}${extra}`);
const BFRAMES_ARGS = [
  ...lavfi('320x240', 3),
  ...ff('-c:v libx264 -bf 3 -g 30 -keyint_min 30 -sc_threshold 0 -pix_fmt yuv420p'),
];

/** Presentation times of `vfr.mkv`, in ms: 30 frames at 30 fps, 15 at 15 fps, 30 at 50 fps. */
const VFR_PTS_EXPR = 'if(lt(N,30),round(N*100/3),if(lt(N,45),1000+round((N-30)*200/3),2000+(N-45)*20))';

/**
 * The exact presentation times of `vfr.mkv`'s 75 frames in seconds (display order): frames 0–29 every
 * 1/30 s from 0, frames 30–44 every 1/15 s from 1.0 s, frames 45–74 every 1/50 s from 2.0 s, each rounded
 * to whole milliseconds (Matroska's time base).
 *
 * @example
 * ```ts
 * const frames = await probeFrames(await fixture('vfr.mkv'));
 * frames.forEach((f, i) => assert.ok(Math.abs(f.ptsSeconds - VFR_PTS_SECONDS[i]) < 5e-4));
 * ```
 */
export const VFR_PTS_SECONDS: readonly number[] = Array.from({ length: 75 }, (_, n) => {
  const ms =
    n < 30
      ? Math.round((n * 100) / 3)
      : n < 45
        ? 1000 + Math.round(((n - 30) * 200) / 3)
        : 2000 + (n - 45) * 20;
  return ms / 1000;
});

let av1Encoder: Promise<string[]> | undefined;
/** libsvtav1 when this ffmpeg has it (fast), else libaom-av1 at its fastest setting. */
function av1Args(): Promise<string[]> {
  av1Encoder ??= (async () => {
    const list = await new Promise<string>((resolve) =>
      execFile('ffmpeg', ['-hide_banner', '-encoders'], (_err, stdout) => resolve(String(stdout))),
    );
    return /\blibsvtav1\b/.test(list)
      ? ['-c:v', 'libsvtav1', '-preset', '12']
      : ['-c:v', 'libaom-av1', '-cpu-used', '8', '-b:v', '200k'];
  })();
  return av1Encoder;
}

/** ISO-BMFF top-level box: its four-character type, byte offset and size (header included). */
export interface Mp4Box {
  type: string;
  offset: number;
  size: number;
}

/**
 * Lists the top-level boxes of an MP4/MOV file (`ftyp`, `moov`, `mdat`, …), stopping at a truncated box.
 *
 * @example
 * ```ts
 * const boxes = mp4TopLevelBoxes(await readFile(await fixture('h264-bframes.mp4')));
 * boxes.map((b) => b.type); // ['ftyp', 'free', 'mdat', 'moov']
 * ```
 */
export function mp4TopLevelBoxes(bytes: Buffer): Mp4Box[] {
  const boxes: Mp4Box[] = [];
  for (let offset = 0; offset + 8 <= bytes.length; ) {
    let size = bytes.readUInt32BE(offset);
    if (size === 1 && offset + 16 <= bytes.length) size = Number(bytes.readBigUInt64BE(offset + 8));
    if (size === 0) size = bytes.length - offset;
    if (size < 8) break;
    boxes.push({ type: bytes.toString('latin1', offset + 4, offset + 8), offset, size });
    offset += size;
  }
  return boxes;
}

function box(bytes: Buffer, type: string): Mp4Box {
  const found = mp4TopLevelBoxes(bytes).find((b) => b.type === type);
  if (!found) throw new Error(`No top-level ${type} box in the base fixture.`);
  return found;
}

/** Deterministic garbage: xorshift32 from a fixed seed. */
function garbage(length: number, seed = 0x9e3779b9): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const RECIPES = {
  /**
   * testsrc2 320x240, 30 fps, 3 s = 90 frames; libx264 `-bf 3 -g 30 -keyint_min 30 -sc_threshold 0`
   * (B-frames present, key frames at 0, 30, 60; pts n/30 s), yuv420p; moov box at the END (ffmpeg's default).
   */
  'h264-bframes.mp4': { kind: 'encode', args: BFRAMES_ARGS },
  /** Same encode as `h264-bframes.mp4` with `-movflags +faststart`: moov box BEFORE mdat. */
  'h264-faststart.mp4': { kind: 'encode', args: [...BFRAMES_ARGS, ...ff('-movflags +faststart')] },
  /**
   * Same encode as `h264-bframes.mp4` with `-output_ts_offset 2.5`: an MP4 (not TS) whose first frame's pts
   * is 2.5 s, then 2.5 + n/30 s; stream start_time 2.5.
   */
  'h264-start-offset.mp4': { kind: 'encode', args: [...BFRAMES_ARGS, ...ff('-output_ts_offset 2.5')] },
  /** HEVC Main 10: libx265 `-preset ultrafast`, yuv420p10le, tagged hvc1, 320x240, 30 fps, 2 s = 60 frames. */
  'hevc-10bit.mp4': {
    kind: 'encode',
    args: [
      ...lavfi('320x240', 2),
      ...ff('-c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p10le -tag:v hvc1'),
    ],
  },
  /**
   * VP9 in WebM: libvpx-vp9 `-deadline realtime -cpu-used 8 -b:v 300k -g 15` (key frames at 0, 15, 30, 45),
   * yuv420p, 320x240, 30 fps, 2 s = 60 frames. WebM declares neither frame count nor stream duration.
   */
  'vp9.webm': {
    kind: 'encode',
    args: [
      ...lavfi('320x240', 2),
      ...ff('-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -g 15 -pix_fmt yuv420p'),
    ],
  },
  /**
   * AV1 in Matroska: libsvtav1 `-preset 12` (libaom-av1 `-cpu-used 8 -b:v 200k` where this ffmpeg lacks
   * SVT-AV1), `-g 30`, yuv420p, 160x120, 30 fps, 2 s = 60 frames.
   */
  'av1.mkv': {
    kind: 'encode',
    args: async () => [...lavfi('160x120', 2), ...(await av1Args()), ...ff('-g 30 -pix_fmt yuv420p')],
  },
  /**
   * MPEG-2 video in MPEG-TS: mpeg2video `-q:v 4 -g 15 -bf 2`, yuv420p, 320x240, 30 fps, 2 s = 60 frames.
   * The TS muxer's default delay makes the first pts about 1.47 s.
   */
  'mpeg2.ts': {
    kind: 'encode',
    args: [...lavfi('320x240', 2), ...ff('-c:v mpeg2video -q:v 4 -g 15 -bf 2 -pix_fmt yuv420p')],
  },
  /** Motion JPEG in AVI: `-q:v 5`, yuvj420p (full range), 320x240, 30 fps, 2 s = 60 frames, all key. */
  'mjpeg.avi': {
    kind: 'encode',
    args: [...lavfi('320x240', 2), ...ff('-c:v mjpeg -q:v 5 -pix_fmt yuvj420p')],
  },
  /**
   * Variable frame rate: H.264 (with B-frames) in Matroska, 160x120, 75 frames at exactly
   * {@link VFR_PTS_SECONDS} (`settb=1/1000,setpts=…` with `-fps_mode passthrough -enc_time_base 1/1000`).
   * The stream still claims r_frame_rate and avg_frame_rate 30/1: only per-frame pts tell the truth.
   */
  'vfr.mkv': {
    kind: 'encode',
    args: [
      ...lavfi('160x120', 2.5),
      ...['-vf', `settb=1/1000,setpts='${VFR_PTS_EXPR}'`],
      ...ff('-fps_mode passthrough -enc_time_base 1/1000 -c:v libx264 -pix_fmt yuv420p'),
    ],
  },
  /**
   * `h264-bframes.mp4` stream-copied with a display matrix that turns it 90° CLOCKWISE for display, like a
   * phone's portrait clip: coded 320x240, displayed 240x320, ffprobe `rotation` -90, the ffmpeg CLI applies
   * `transpose=clock`. (ffmpeg 5.1 writes that matrix for `-metadata:s:v:0 rotate=270` on a stream copy.)
   */
  'rotated-90.mp4': {
    kind: 'remux',
    from: 'h264-bframes.mp4',
    args: ff('-c copy -metadata:s:v:0 rotate=270'),
  },
  /** `h264-bframes.mp4` stream-copied with a 180° display matrix: ffprobe `rotation` -180, shown 320x240. */
  'rotated-180.mp4': {
    kind: 'remux',
    from: 'h264-bframes.mp4',
    args: ff('-c copy -metadata:s:v:0 rotate=180'),
  },
  /**
   * 321x241 (odd both ways): H.264 High 4:4:4 Predictive (libx264, yuv444p, since 4:2:0 cannot hold odd
   * sizes), 30 fps, 2 s = 60 frames. testsrc2 renders rgb24 first: in 4:2:0 it rounds the size down.
   */
  'odd-size.mp4': {
    kind: 'encode',
    args: [...lavfi('321x241', 2, ',format=rgb24'), ...ff('-c:v libx264 -pix_fmt yuv444p')],
  },
  /**
   * Full range: `-vf scale=out_range=full,format=yuv420p -color_range pc`, libx264 (VUI full-range flag
   * set; ffprobe reports color_range pc, pix_fmt yuvj420p), 320x240, 30 fps, 2 s = 60 frames.
   */
  'full-range.mp4': {
    kind: 'encode',
    args: [
      ...lavfi('320x240', 2),
      ...ff('-vf scale=out_range=full,format=yuv420p -color_range pc -c:v libx264'),
    ],
  },
  /** AAC only (440 Hz sine, 44.1 kHz, 2 s, 64 kb/s) in M4A: no video stream at all. */
  'audio-only.m4a': {
    kind: 'encode',
    args: ff('-f lavfi -i sine=frequency=440:sample_rate=44100:duration=2 -c:a aac -b:a 64k'),
  },
  /** A zero-byte file. */
  'empty.mp4': { kind: 'bytes', make: () => Buffer.alloc(0) },
  /** About 2 KB of plain UTF-8 text. */
  'not-a-video.mp4': {
    kind: 'bytes',
    make: () => Buffer.from('This is a text file pretending to be a video.\n'.repeat(45), 'utf8'),
  },
  /** The first 60% (floored) of `h264-faststart.mp4`: the whole index, but mdat ends early. */
  'truncated.mp4': {
    kind: 'bytes',
    from: 'h264-faststart.mp4',
    make: (b) => b.subarray(0, Math.floor(b.length * 0.6)),
  },
  /** `h264-bframes.mp4` (moov at the end) cut just before its moov box: ftyp, free, mdat, and no index. */
  'no-index.mp4': {
    kind: 'bytes',
    from: 'h264-bframes.mp4',
    make: (b) => b.subarray(0, box(b, 'moov').offset),
  },
  /**
   * `h264-faststart.mp4` with 4096 bytes of fixed pseudo-random garbage written over the middle of mdat:
   * same size and index, and a few frames in the second GOP fail to decode ("Invalid NAL unit size").
   */
  'corrupt-middle.mp4': {
    kind: 'bytes',
    from: 'h264-faststart.mp4',
    make: (b) => {
      const mdat = box(b, 'mdat');
      const out = Buffer.from(b);
      garbage(4096).copy(out, mdat.offset + Math.floor(mdat.size / 2));
      return out;
    },
  },
} as const satisfies Record<string, Recipe>;

/**
 * Names of the generated fixtures. Each entry of the recipe table above documents the exact recipe and
 * properties; test/helpers/fixtures.test.ts proves them.
 */
export type FixtureName = keyof typeof RECIPES;

/**
 * Every fixture name, for tests that walk the whole set.
 *
 * @example
 * ```ts
 * const paths = await Promise.all(FIXTURE_NAMES.map(fixture));
 * ```
 */
export const FIXTURE_NAMES = Object.keys(RECIPES) as FixtureName[];

const built = new Map<string, Promise<string>>();

/**
 * Path of a generated fixture, created on first use (see {@link FixtureName} for the set).
 *
 * @example
 * ```ts
 * const path = await fixture('vfr.mkv');
 * ```
 */
export function fixture(name: FixtureName): Promise<string> {
  try {
    return once(name, recipeOf(name));
  } catch (err) {
    return Promise.reject(err);
  }
}

function recipeOf(name: string): Recipe {
  const recipe: Recipe | undefined = (RECIPES as Record<string, Recipe>)[name];
  if (!recipe) throw new Error(`Unknown fixture "${name}"; known: ${FIXTURE_NAMES.join(', ')}.`);
  return recipe;
}

/**
 * Path of an ad-hoc clip: `ffmpeg <ffmpegArgs> <path>`, cached under a hash of the arguments like the
 * named fixtures. `name` sets the file name and extension (hence the container).
 *
 * @example
 * ```ts
 * const args = ['-f', 'lavfi', '-i', 'color=gray:size=64x48:duration=1', '-c:v', 'ffv1'];
 * const path = await makeMedia('gray-1s.mkv', args);
 * ```
 */
export function makeMedia(name: string, ffmpegArgs: readonly string[]): Promise<string> {
  if (!/^[\w.-]+\.\w+$/.test(name)) {
    return Promise.reject(new Error(`makeMedia name must look like "clip.mp4" (no folders), got "${name}".`));
  }
  return once(`adhoc:${name}:${JSON.stringify(ffmpegArgs)}`, { kind: 'encode', args: ffmpegArgs }, name);
}

function once(key: string, recipe: Recipe, fileName = key): Promise<string> {
  let pending = built.get(key);
  if (!pending) {
    pending = build(fileName, recipe);
    built.set(key, pending);
    pending.catch(() => built.delete(key));
  }
  return pending;
}

async function recipeHash(recipe: Recipe): Promise<string> {
  const described = {
    version: RECIPE_VERSION,
    kind: recipe.kind,
    args:
      recipe.kind === 'bytes' ? null : typeof recipe.args === 'function' ? await recipe.args() : recipe.args,
    make: recipe.kind === 'bytes' ? recipe.make.toString() : null,
    from: recipe.kind !== 'encode' && recipe.from ? await recipeHash(recipeOf(recipe.from)) : null,
  };
  return createHash('sha256').update(JSON.stringify(described)).digest('hex').slice(0, 12);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function build(fileName: string, recipe: Recipe): Promise<string> {
  const ext = extname(fileName);
  const path = join(FIXTURES_DIR, `${fileName.slice(0, -ext.length)}-${await recipeHash(recipe)}${ext}`);
  if (await exists(path)) return path;
  await mkdir(FIXTURES_DIR, { recursive: true });
  // Keep the real extension last: ffmpeg picks the muxer from it.
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp${ext}`;
  try {
    if (recipe.kind === 'encode') {
      await runFfmpeg([...(typeof recipe.args === 'function' ? await recipe.args() : recipe.args), tmp]);
    } else if (recipe.kind === 'remux') {
      await runFfmpeg(['-i', await fixture(recipe.from as FixtureName), ...recipe.args, tmp]);
    } else {
      const base = recipe.from ? await readFile(await fixture(recipe.from as FixtureName)) : Buffer.alloc(0);
      await writeFile(tmp, recipe.make(base));
    }
    // rename() is atomic: a racing process either sees no file or a complete one, and the last rename wins.
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new Error(`Could not generate fixture ${fileName}: ${(err as Error).message}`, { cause: err });
  }
  return path;
}
