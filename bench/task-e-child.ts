/**
 * The long-run process of task E, run in a fresh Node by `bench/task-e.ts`: every `every`th frame of a clip
 * at a small output size, with RSS sampled once a second together with the share of frames delivered so
 * far. Prints one JSON line on stdout (samples, seconds, and maxRSS in KiB, which on Linux also counts the
 * forked copy of the parent before exec: task E does not use it as a peak). Frames are counted, not kept,
 * so the benchmark's own arrays do not grow.
 *
 * @example
 * ```sh
 * node bench/task-e-child.ts bench/.media/clip180p1h-….mp4 108000 64 36 1
 * ```
 */
import { framepipeRun } from './framepipe.ts';

/** One RSS sample. */
export interface RssSample {
  seconds: number;
  /** Frames delivered / frames expected, 0–1. */
  progress: number;
  rssBytes: number;
}

/** What the child prints. */
export interface ChildReport {
  seconds: number;
  delivered: number;
  maxRssKiB: number;
  samples: RssSample[];
}

async function main(argv: string[]): Promise<ChildReport> {
  const [clip, ...rest] = argv;
  if (!clip || rest.length !== 4) throw new Error('usage: task-e-child.ts <clip> <frames> <width> <height> <every>');
  const [frames, width, height, every] = rest.map(Number) as [number, number, number, number];
  const expected = Math.ceil(frames / every);
  const samples: RssSample[] = [];
  const start = process.hrtime.bigint();
  let delivered = 0;
  const sample = () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    samples.push({ seconds, progress: delivered / expected, rssBytes: process.memoryUsage.rss() });
  };
  const timer = setInterval(sample, 1000);
  try {
    const sampling = every > 1 ? { every } : {};
    const onProgress = (n: number) => {
      delivered = n;
      // The last sample is taken before close(), which ends the worker and gives its memory back.
      if (n === expected) sample();
    };
    const run = await framepipeRun(clip, { sampling, output: { width, height } }, { record: false, onProgress });
    return { seconds: run.seconds, delivered: run.delivered, maxRssKiB: process.resourceUsage().maxRSS, samples };
  } finally {
    clearInterval(timer);
  }
}

if (import.meta.main) {
  const report = await main(process.argv.slice(2));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
