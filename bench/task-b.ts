/**
 * Task B: every frame of the 1080p clip → 224×224 RGB.
 *
 * Reference: the FFmpeg CLI with framepipe's own filter graph (`scale=224:224:out_range=full,format=rgb24`)
 * writing raw frames to a pipe that this process consumes, counting bytes. Subjects: framepipe
 * `video.frames()` and `video.batches(32)`, each verified to deliver all 1800 frames in order. Target:
 * throughput ≥ 0.95× FFmpeg's (ratio = FFmpeg seconds / framepipe seconds).
 *
 * @example
 * ```sh
 * npm run bench -- b          # or: node bench/task-b.ts --runs 5
 * ```
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkIndices, framepipeRun, range } from './framepipe.ts';
import {
  cpuSecondsSince,
  interleaved,
  median,
  medianRatio,
  type Measure,
  medianSeconds,
  printResult,
  type Row,
  runCount,
  runList,
  type Subject,
  summarize,
  type TaskResult,
  timeCommand,
} from './lib.ts';
import { ensureMedia } from './media.ts';

const REF = 'FFmpeg CLI scale → rgb24 pipe';
const FRAMES = 'framepipe frames()';
const BATCHES = 'framepipe batches(32)';

/** Runs task B `runs` times per subject, interleaved, and returns its table. */
export async function taskB(runs = runCount()): Promise<TaskResult> {
  const clip = await ensureMedia('clip1080');
  const frameBytes = 224 * 224 * 3;
  const expected = range(0, clip.frames);
  const problems: string[] = [];
  const haveTime = existsSync('/usr/bin/time');

  const dir = await mkdtemp(join(tmpdir(), 'fp-bench-b-'));
  const reference = async (): Promise<Measure> => {
    const args = ['-v', 'error', '-i', clip.path, '-vf', 'scale=224:224:out_range=full,format=rgb24', '-f', 'rawvideo', '-'];
    // GNU time reports FFmpeg's CPU seconds; stdout still comes straight through the pipe to this process.
    const timeFile = join(dir, 'cpu');
    const m = haveTime
      ? await timeCommand('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, 'ffmpeg', ...args], { stdout: 'count' })
      : await timeCommand('ffmpeg', args, { stdout: 'count' });
    if (m.bytes !== clip.frames * frameBytes) problems.push(`${REF}: ${m.bytes} bytes, expected ${clip.frames * frameBytes}`);
    const cpu = haveTime ? (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)?.split(' ').map(Number) : undefined;
    return { seconds: m.seconds, extra: cpu ? { cpuSeconds: (cpu[0] ?? 0) + (cpu[1] ?? 0) } : {} };
  };
  const framepipe = (name: string, batchSize?: number) => async (): Promise<Measure> => {
    const cpuStart = process.cpuUsage();
    const run = await framepipeRun(clip.path, { output: { width: 224, height: 224 } }, { batchSize });
    const cpuSeconds = cpuSecondsSince(cpuStart);
    const bad = checkIndices(run.indices, expected);
    if (bad) problems.push(`${name}: ${bad}`);
    if (run.bytes !== clip.frames * frameBytes) problems.push(`${name}: ${run.bytes} pixel bytes, expected ${clip.frames * frameBytes}`);
    return { seconds: run.seconds, extra: { cpuSeconds } };
  };
  const subjects: Subject[] = [
    { name: REF, run: reference },
    { name: FRAMES, run: framepipe(FRAMES) },
    { name: BATCHES, run: framepipe(BATCHES, 32) },
  ];

  process.stderr.write('task B: warm-up pass\n');
  for (const s of subjects) await s.run();
  process.stderr.write(`task B: ${runs} interleaved runs\n`);
  const results = await interleaved(runs, subjects);
  await rm(dir, { recursive: true, force: true });

  const ref = medianSeconds(results.get(REF));
  const cpu = (name: string) => median((results.get(name) ?? []).map((m) => Number(m.extra?.cpuSeconds ?? NaN)));
  const row = (name: string, judged: boolean): Row => {
    const value = medianSeconds(results.get(name));
    // Paired: FFmpeg's time in a round over the subject's time in the same round, median over rounds.
    const throughput = judged ? medianRatio(results.get(REF), results.get(name)) : 1;
    const cpuNote = Number.isNaN(cpu(name))
      ? ''
      : `; CPU ${cpu(name).toFixed(1)} s${judged ? ` (${(cpu(name) / cpu(REF)).toFixed(2)}× FFmpeg's)` : ''}`;
    return {
      task: 'B',
      subject: name,
      value,
      ratio: judged ? `${throughput.toFixed(3)}× FFmpeg throughput` : '1× (reference)',
      target: judged ? '≥ 0.95× throughput' : 'reference',
      pass: judged ? throughput >= 0.95 && !problems.some((p) => p.startsWith(name)) : null,
      note: `${(clip.frames / value).toFixed(0)} frames/s${cpuNote}; runs ${runList(results.get(name))}`,
    };
  };
  const rows = [row(REF, false), row(FRAMES, true), row(BATCHES, true)];
  return {
    task: 'B',
    title: 'every frame of the 1080p clip → 224×224 RGB',
    rows,
    notes: [
      `Input: ${clip.name} (${clip.frames} frames, 1920×1080, 30 fps, GOP ${clip.gop}, B-frames ${clip.bFrames}).`,
      problems.length
        ? `Verification FAILED: ${[...new Set(problems)].join('; ')}`
        : `Verified on every run: all ${clip.frames} frames in order from each framepipe subject, ${clip.frames} × 224×224×3 bytes from FFmpeg.`,
      'The reference is FFmpeg 5.1 (Debian) with default threading; framepipe links FFmpeg 8.1 through node-av. framepipe is timed in-process from openVideo() to close(); FFmpeg as a whole process whose stdout this process reads.',
      'The ratio is the median over rounds of FFmpeg time / framepipe time within a round (steadier than a ratio of medians under shared load). CPU is user + system seconds: the whole bench process (all threads) for framepipe, GNU time for FFmpeg (its pipe reader, this process, not included).',
    ],
    summary: summarize('B', rows, `frames() ${rows[1]?.ratio}, batches(32) ${rows[2]?.ratio} (target ≥ 0.95), FFmpeg ${ref.toFixed(2)} s`),
  };
}

if (import.meta.main) printResult(await taskB());
