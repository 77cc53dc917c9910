/**
 * Task E: memory.
 *
 * 1. Peak RSS of task A's workload (every 30th frame of the 1080p clip → 224×224 RGB) in a fresh Node,
 *    against an idle Node (same binary, `node -e 0`) plus the FFmpeg CLI decoding the same clip to null;
 *    every peak from `/usr/bin/time -f %M` (or VmHWM polled from /proc when GNU time is missing). Target: peak ≤ idle + FFmpeg. framepipe is measured
 *    from its TypeScript sources (Node's type stripping, as the tests run it) and, when `tsc` builds it,
 *    from compiled JavaScript (`bench/.media/dist/`, as the published package runs).
 * 2. The 1-hour 320×180 clip, every frame → 64×36 RGB, in a fresh Node sampling its RSS once a second:
 *    growth from the first sample at ≥ 10% progress to the last one before close(). Target ≤ 5%.
 *
 * @example
 * ```sh
 * npm run bench -- e          # or: node bench/task-e.ts --runs 3
 * ```
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { ChildReport } from './task-e-child.ts';
import {
  available,
  fmt,
  interleaved,
  median,
  printResult,
  type Row,
  ROOT,
  runCount,
  type Subject,
  summarize,
  type TaskResult,
  timeCommand,
} from './lib.ts';
import { ensureMedia, MEDIA_DIR } from './media.ts';

const run = promisify(execFile);
const NODE = process.execPath;
const IDLE = 'idle Node (node -e)';
const FFMPEG = 'FFmpeg CLI decode → null';
const SRC = 'framepipe task A (TypeScript sources)';
const DIST = 'framepipe task A (compiled dist/)';

/** Task A's workload as plain JavaScript (ES module by syntax detection; `--input-type` would leak into the worker through execArgv), so the compiled variant loads no TypeScript at all. */
const TASK_A_CHILD = `
const { openVideo } = await import(process.argv[1]);
const video = await openVideo(process.argv[2], { sampling: { every: 30 }, output: { width: 224, height: 224 } });
let delivered = 0;
for await (const frame of video.frames()) delivered += frame.data.byteLength > 0 ? 1 : 0;
await video.close();
process.stdout.write(JSON.stringify({ delivered }));
`;

/** Runs task E and returns its table. */
export async function taskE(runs = runCount()): Promise<TaskResult> {
  const clip = await ensureMedia('clip1080');
  const long = await ensureMedia('clip180p1h');
  const peaks = new Map<string, number[]>();
  const note = (name: string, kib: number) => peaks.set(name, [...(peaks.get(name) ?? []), kib]);
  const notes: string[] = [];

  const nodeChild = (name: string, entry: string) => async () => {
    const m = await peakRss(NODE, ['-e', TASK_A_CHILD, '--', entry, clip.path]);
    const out = JSON.parse(m.stdout) as { delivered: number };
    if (out.delivered !== 60) throw new Error(`${name}: ${out.delivered} frames delivered, expected 60`);
    note(name, m.kib);
    return m;
  };
  const peakOf = (name: string, cmd: string, args: string[]) => async () => {
    const m = await peakRss(cmd, args);
    note(name, m.kib);
    return m;
  };
  const subjects: Subject[] = [
    { name: IDLE, run: peakOf(IDLE, NODE, ['-e', '0']) },
    { name: FFMPEG, run: peakOf(FFMPEG, 'ffmpeg', ['-v', 'error', '-i', clip.path, '-f', 'null', '-']) },
    { name: SRC, run: nodeChild(SRC, pathToFileURL(join(ROOT, 'src', 'index.ts')).href) },
  ];
  const dist = await buildDist();
  if (dist.entry) subjects.push({ name: DIST, run: nodeChild(DIST, dist.entry) });
  notes.push(dist.note);

  process.stderr.write(`task E: ${runs} interleaved runs of the peak-RSS subjects\n`);
  await interleaved(runs, subjects);
  const mb = (name: string) => median(peaks.get(name) ?? [NaN]) / 1024;
  const budget = mb(IDLE) + mb(FFMPEG);
  const peakRow = (name: string, judged: boolean): Row => ({
    task: 'E',
    subject: `peak RSS, ${name}`,
    value: mb(name),
    unit: 'MiB',
    ratio: judged ? `${(mb(name) / budget).toFixed(2)}× (idle + FFmpeg = ${budget.toFixed(0)} MiB)` : 'reference',
    target: judged ? '≤ idle Node + FFmpeg' : 'reference',
    pass: judged ? mb(name) <= budget : null,
    note: `runs ${(peaks.get(name) ?? []).map((k) => (k / 1024).toFixed(0)).join('/')} MiB`,
  });
  const rows: Row[] = [peakRow(IDLE, false), peakRow(FFMPEG, false), peakRow(SRC, true)];
  if (dist.entry) rows.push(peakRow(DIST, true));

  process.stderr.write(`task E: 1-hour run${runs > 1 ? 's' : ''}, every frame → 64×36\n`);
  const growths: number[] = [];
  const longNotes: string[] = [];
  for (let r = 0; r < runs; r++) {
    const report = await longRun(long.path, long.frames);
    if (report.delivered !== long.frames) throw new Error(`1-hour run delivered ${report.delivered} frames, expected ${long.frames}`);
    const at10 = report.samples.find((s) => s.progress >= 0.1);
    const end = report.samples.at(-1);
    if (!at10 || !end) throw new Error('1-hour run: too few RSS samples');
    const after = report.samples.filter((s) => s.progress >= 0.1);
    const maxAfter = Math.max(...after.map((s) => s.rssBytes));
    growths.push((end.rssBytes - at10.rssBytes) / at10.rssBytes);
    longNotes.push(
      `${fmt(at10.rssBytes / 2 ** 20, 0)} → ${fmt(end.rssBytes / 2 ** 20, 0)} MiB (max ${fmt(maxAfter / 2 ** 20, 0)}) in ${report.seconds.toFixed(0)} s`,
    );
    process.stderr.write(`  run ${r + 1}/${runs} 1-hour: ${longNotes.at(-1)}\n`);
  }
  const growth = median(growths);
  rows.push({
    task: 'E',
    subject: 'RSS growth, 1-hour clip every frame → 64×36, from 10% progress to the end',
    value: growth * 100,
    unit: '%',
    ratio: '—',
    target: '≤ 5%',
    pass: growth <= 0.05,
    note: longNotes.join('; '),
  });
  notes.unshift(
    `Inputs: ${clip.name} (1800 frames, 1080p30) for the peak; ${long.name} (${long.frames} frames, 320×180) for growth. Peaks are medians of ${runs} fresh processes (maxrss in KiB from GNU time, shown in MiB); growth from RSS sampled by the child itself (\`process.memoryUsage.rss()\`).`,
  );
  const src = rows.find((r) => r.subject.endsWith(SRC));
  return {
    task: 'E',
    title: 'memory: peak RSS of task A, RSS growth over a 1-hour source',
    rows,
    notes,
    summary: summarize(
      'E',
      rows,
      `task A peak ${fmt(src?.value ?? null, 0)} MiB vs ${budget.toFixed(0)} MiB budget, 1-hour growth ${(growth * 100).toFixed(1)}% (target ≤ 5%)`,
    ),
  };
}

/**
 * Peak RSS of a command in KiB, from GNU time's `%M`, or else VmHWM polled from /proc every 20 ms.
 *
 * Not from a child's own `getrusage`: Linux folds the RSS of the forked copy of this (large) bench process
 * into the child's maxRSS at exec, so a small child spawned directly by Node reports Node's size. GNU time
 * forks from its own small image, and VmHWM belongs to the post-exec address space.
 */
async function peakRss(cmd: string, args: string[]): Promise<{ seconds: number; kib: number; stdout: string }> {
  if (existsSync('/usr/bin/time')) {
    const dir = await mkdtemp(join(tmpdir(), 'fp-bench-'));
    try {
      const out = join(dir, 'maxrss');
      const m = await timeCommand('/usr/bin/time', ['-f', '%M', '-o', out, cmd, ...args]);
      return { seconds: m.seconds, kib: Number((await readFile(out, 'utf8')).trim().split('\n').at(-1)), stdout: m.stdout };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const start = process.hrtime.bigint();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let kib = 0;
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const poll = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8').then(
      (s) => (kib = Math.max(kib, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0))),
      () => {},
    );
  }, 20);
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(poll);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, kib, stdout };
}

/** Compiles src/ with the project's tsconfig into bench/.media/dist (no declarations, no maps). */
async function buildDist(): Promise<{ entry: string | null; note: string }> {
  const outDir = join(MEDIA_DIR, 'dist');
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  if (!available(NODE, ['-e', '0']) || !existsSync(tsc)) return { entry: null, note: 'Compiled variant skipped: no tsc.' };
  await rm(outDir, { recursive: true, force: true });
  process.stderr.write('task E: compiling src/ for the dist variant\n');
  let status = 'compiled cleanly';
  try {
    await run(tsc, ['-p', join(ROOT, 'tsconfig.json'), '--outDir', outDir, '--declaration', 'false', '--sourceMap', 'false'], {
      cwd: ROOT,
    });
  } catch {
    status = 'tsc reported type errors but emitted JavaScript';
  }
  const entry = join(outDir, 'index.js');
  if (!existsSync(entry)) return { entry: null, note: 'Compiled variant skipped: tsc emitted nothing.' };
  return {
    entry: pathToFileURL(entry).href,
    note: `The compiled variant runs bench/.media/dist/index.js built from the same src/ (${status}); the sources variant pays for Node's TypeScript stripper in both threads.`,
  };
}

function longRun(path: string, frames: number): Promise<ChildReport> {
  const child = join(ROOT, 'bench', 'task-e-child.ts');
  return run(NODE, [child, path, String(frames), '64', '36', '1'], { maxBuffer: 1 << 26 }).then(
    ({ stdout }) => JSON.parse(stdout) as ChildReport,
  );
}

if (import.meta.main) printResult(await taskE());
