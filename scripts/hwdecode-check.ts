/**
 * Compares software and hardware decoding of the same file and plan: same frame indices and timestamps,
 * pixels within a tolerance, and the time each took. Used on the GPU machine:
 *   node scripts/hwdecode-check.ts clip.mp4 cuda
 */
import { openVideo, type SamplingOptions } from '../src/index.ts';

const [path, hardware = 'cuda'] = process.argv.slice(2);
if (!path) throw new Error('usage: node scripts/hwdecode-check.ts FILE [cuda|vaapi|auto]');

async function run(hw: 'none' | 'cuda' | 'vaapi' | 'auto', sampling: SamplingOptions) {
  const warnings: string[] = [];
  const started = performance.now();
  await using video = await openVideo(path as string, { decode: { hardware: hw }, sampling, output: { width: 224, height: 224 }, onWarning: (w) => warnings.push(`${w.code}: ${w.message}`) });
  const frames: { index: number; pts: number; sum: number }[] = [];
  for await (const f of video.frames()) {
    let sum = 0;
    for (let i = 0; i < f.data.length; i += 97) sum += f.data[i] as number;
    frames.push({ index: f.index, pts: f.ptsSeconds, sum });
  }
  return { seconds: (performance.now() - started) / 1000, frames, stats: video.stats, warnings };
}

for (const sampling of [{}, { every: 30 }] as SamplingOptions[]) {
  const sw = await run('none', sampling);
  const hw = await run(hardware as 'cuda', sampling);
  const sameFrames = sw.frames.length === hw.frames.length && sw.frames.every((f, i) => f.index === hw.frames[i]?.index && f.pts === hw.frames[i]?.pts);
  const maxSumDiff = Math.max(0, ...sw.frames.map((f, i) => Math.abs(f.sum - (hw.frames[i]?.sum ?? 0)) / Math.max(1, f.sum)));
  console.log(JSON.stringify({ sampling, frames: sw.frames.length, software: sw.seconds.toFixed(3), hardware: hw.seconds.toFixed(3), hardwareUsed: hw.stats?.hardwareDecoding, sameFrames, maxRelativePixelSumDiff: maxSumDiff.toFixed(4), warnings: hw.warnings.slice(0, 3) }));
}
