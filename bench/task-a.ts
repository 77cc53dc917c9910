/**
 * Task A: the 1080p30 clip (1800 frames, GOP 60, B-frames), every 30th frame → 224×224 RGB → no-op consumer.
 *
 * Reference: `ffmpeg -v error -i clip -f null -`, the "decode everything" floor, timed in the same run.
 * Subjects: framepipe exact mode (`{ every: 30 }`, verified: indices 0, 30 … 1770 and pts = index / 30),
 * framepipe keyframe mode (`{ keyframes: true }`), and peers: FFmpeg `-skip_frame nokey`, FFmpeg
 * `select` + `scale` to a pipe, and Python + OpenCV (`grab()` skipped frames, `retrieve()` every 30th,
 * resize + RGB) when Debian's python3-opencv is installed. Targets: exact ≤ 0.55× the floor, keyframes
 * ≤ 0.1× the floor.
 *
 * @example
 * ```sh
 * npm run bench -- a          # or: node bench/task-a.ts --runs 5
 * ```
 */
import { checkIndices, checkPts, framepipeRun, range, statsNote } from './framepipe.ts';
import {
  available,
  interleaved,
  type Measure,
  medianRatio,
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

const PYTHON = '/usr/bin/python3';
const OPENCV_PEER = `
import sys, cv2
cap = cv2.VideoCapture(sys.argv[1])
i = n = 0
while True:
    if i % 30 == 0:
        ok, f = cap.read()
        if not ok: break
        f = cv2.cvtColor(cv2.resize(f, (224, 224), interpolation=cv2.INTER_CUBIC), cv2.COLOR_BGR2RGB)
        n += 1
    elif not cap.grab():
        break
    i += 1
print(n)
`;

const FLOOR = 'FFmpeg CLI decode → null (floor)';
const EXACT = 'framepipe every 30 (exact)';
const KEYS = 'framepipe keyframes';
const NOKEY = 'FFmpeg CLI -skip_frame nokey → null';
const SELECT = 'FFmpeg CLI select + scale → pipe';
const OPENCV = 'Python + OpenCV grab/retrieve every 30th';

/** Runs task A `runs` times per subject, interleaved, and returns its table. */
export async function taskA(runs = runCount()): Promise<TaskResult> {
  const clip = await ensureMedia('clip1080');
  const output = { width: 224, height: 224 };
  const problems: string[] = [];
  const expectedExact = range(0, clip.frames, 30);
  const expectedKeys = range(0, clip.frames, clip.gop);
  const notes = new Map<string, string>();

  const framepipe = (sampling: object, expected: number[], name: string) => async (): Promise<Measure> => {
    const run = await framepipeRun(clip.path, { sampling, output });
    const bad = checkIndices(run.indices, expected) ?? checkPts(run.indices, run.pts, clip.fps);
    if (bad) problems.push(`${name}: ${bad}`);
    notes.set(name, statsNote(run));
    return { seconds: run.seconds, extra: { framesDecoded: run.stats?.framesDecoded ?? -1 } };
  };
  const ffmpeg =
    (args: string[], stdout: 'count' | 'ignore' = 'ignore') =>
    async () =>
      timeCommand('ffmpeg', ['-v', 'error', ...args], { stdout });

  const subjects: Subject[] = [
    { name: FLOOR, run: ffmpeg(['-i', clip.path, '-f', 'null', '-']) },
    { name: EXACT, run: framepipe({ every: 30 }, expectedExact, EXACT) },
    { name: KEYS, run: framepipe({ keyframes: true }, expectedKeys, KEYS) },
    { name: NOKEY, run: ffmpeg(['-skip_frame', 'nokey', '-i', clip.path, '-f', 'null', '-']) },
    {
      name: SELECT,
      run: ffmpeg(
        [
          '-i',
          clip.path,
          '-vf',
          'select=not(mod(n\\,30)),scale=224:224:out_range=full,format=rgb24',
          '-fps_mode',
          'passthrough',
          '-f',
          'rawvideo',
          '-',
        ],
        'count',
      ),
    },
  ];
  const haveOpenCv = available(PYTHON, ['-c', 'import cv2']);
  if (haveOpenCv) subjects.push({ name: OPENCV, run: async () => timeCommand(PYTHON, ['-c', OPENCV_PEER, clip.path]) });

  // One untimed pass of everything: page cache warm, worker code compiled, python imports cached.
  process.stderr.write('task A: warm-up pass\n');
  for (const s of subjects) await s.run();
  problems.length = 0;
  process.stderr.write(`task A: ${runs} interleaved runs\n`);
  const results = await interleaved(runs, subjects);

  const floor = medianSeconds(results.get(FLOOR));
  const row = (name: string, target: string, limit: number | null, note?: string): Row => {
    const value = medianSeconds(results.get(name));
    // Paired: the subject's time over the floor's time in the same round, median over rounds.
    const ratio = name === FLOOR ? 1 : medianRatio(results.get(name), results.get(FLOOR));
    const exactOk = name === EXACT || name === KEYS ? !problems.some((p) => p.startsWith(name)) : true;
    return {
      task: 'A',
      subject: name,
      value,
      ratio: `${ratio.toFixed(3)}× floor`,
      target,
      pass: limit === null ? null : ratio <= limit && exactOk,
      note: [`runs ${runList(results.get(name))}`, note ?? notes.get(name)].filter(Boolean).join('; '),
    };
  };
  const rows: Row[] = [
    row(FLOOR, 'reference', null),
    row(EXACT, '≤ 0.55× floor, exact', 0.55),
    row(KEYS, '≤ 0.1× floor', 0.1),
    row(NOKEY, 'peer', null),
    row(SELECT, 'peer', null),
  ];
  if (haveOpenCv) rows.push(row(OPENCV, 'peer', null));
  const exact = rows[1] as Row;
  const keys = rows[2] as Row;
  const verification = problems.length
    ? `Exactness FAILED: ${[...new Set(problems)].join('; ')}`
    : `Exactness verified on every run: exact mode delivered indices 0, 30 … ${expectedExact.at(-1)} (${expectedExact.length} frames) with ptsSeconds = index / 30; keyframe mode delivered 0, ${clip.gop} … ${expectedKeys.at(-1)}.`;
  return {
    task: 'A',
    title: 'every 30th frame of the 1080p clip → 224×224 RGB',
    rows,
    notes: [
      `Input: ${clip.name} (${clip.frames} frames, 1920×1080, 30 fps, GOP ${clip.gop}, B-frames ${clip.bFrames}, ${(clip.bytes / 1e6).toFixed(1)} MB).`,
      verification,
      'framepipe is timed in-process from openVideo() to close() (worker start and probing included); FFmpeg and Python are timed as whole processes. One untimed warm-up pass precedes the runs. Ratios are medians over rounds of subject time / floor time within a round.',
      haveOpenCv
        ? 'OpenCV peer: Debian python3-opencv 4.6, cv2.resize INTER_CUBIC + cvtColor to RGB.'
        : 'OpenCV peer skipped: python3-opencv is not installed.',
    ],
    summary: summarize(
      'A',
      rows,
      `exact ${exact.ratio} (target ≤ 0.55), keyframes ${keys.ratio} (target ≤ 0.1), floor ${floor.toFixed(2)} s`,
    ),
  };
}

if (import.meta.main) printResult(await taskA());
