/**
 * Task C: 16 frames spread uniformly (`{ count: 16 }`) over the 1-hour and the 10-minute 320×180 clips,
 * from local files and over HTTP (a Range-capable server in this process, counting the bytes it sends).
 *
 * Each run is verified: the 16 delivered indices are round(k × (N − 1) / 15). Targets: ≤ 1 s per run and
 * about the same for both durations (reported: 1-hour / 10-minute ratio); over HTTP, bytes sent by the
 * server ≤ 5% of the file. `video.stats.bytesRead` (the client's own meter) is reported next to it.
 *
 * @example
 * ```sh
 * npm run bench -- c          # or: node bench/task-c.ts --runs 5
 * ```
 */
import { basename, dirname } from 'node:path';
import { checkIndices, framepipeRun } from './framepipe.ts';
import { startRangeServer } from './http-server.ts';
import {
  interleaved,
  type Measure,
  medianSeconds,
  median,
  printResult,
  type Row,
  runCount,
  runList,
  type Subject,
  summarize,
  type TaskResult,
} from './lib.ts';
import { ensureMedia, type Media } from './media.ts';

const COUNT = 16;

/** round(k × (N − 1) / (COUNT − 1)), halves up, as docs/sampling.md defines. */
function expectedIndices(frames: number): number[] {
  return Array.from({ length: COUNT }, (_, k) => Math.floor((k * (frames - 1)) / (COUNT - 1) + 0.5));
}

interface Case {
  name: string;
  media: Media;
  http: boolean;
  /** Judged against the targets (the 10-minute byte share is informational). */
  judged: { seconds: boolean; bytes: boolean };
}

/** Runs task C `runs` times per case, interleaved, and returns its table. */
export async function taskC(runs = runCount()): Promise<TaskResult> {
  const long = await ensureMedia('clip180p1h');
  const short = await ensureMedia('clip180p10min');
  await using server = await startRangeServer(dirname(long.path));
  const cases: Case[] = [
    { name: '1 h, local file', media: long, http: false, judged: { seconds: true, bytes: false } },
    { name: '10 min, local file', media: short, http: false, judged: { seconds: true, bytes: false } },
    { name: '1 h, HTTP', media: long, http: true, judged: { seconds: true, bytes: true } },
    { name: '10 min, HTTP', media: short, http: true, judged: { seconds: true, bytes: false } },
  ];
  const problems: string[] = [];
  const bytes = new Map<string, { server: number[]; client: number[]; requests: number[] }>();
  const counters = new Map<string, string>();

  const subject = (c: Case): Subject => ({
    name: c.name,
    run: async (): Promise<Measure> => {
      server.resetCounters();
      const source = c.http ? server.url(basename(c.media.path)) : c.media.path;
      const options = { sampling: { count: COUNT }, output: { width: 224, height: 224 } };
      const run = await framepipeRun(source, options);
      const bad = checkIndices(run.indices, expectedIndices(c.media.frames));
      if (bad) problems.push(`${c.name}: ${bad}`);
      if (c.http) {
        const b = bytes.get(c.name) ?? { server: [], client: [], requests: [] };
        b.server.push(server.bytesSent());
        b.client.push(run.stats?.bytesRead ?? 0);
        b.requests.push(server.requests);
        bytes.set(c.name, b);
      }
      const s = run.stats;
      if (s) counters.set(c.name, `decoded ${s.framesDecoded} frames, read ${s.packetsRead} packets, ${s.seeks} seeks`);
      return { seconds: run.seconds };
    },
  });
  const subjects = cases.map(subject);
  process.stderr.write('task C: warm-up pass\n');
  for (const s of subjects) await s.run();
  bytes.clear();
  process.stderr.write(`task C: ${runs} interleaved runs\n`);
  const results = await interleaved(runs, subjects);

  const seconds = (name: string) => medianSeconds(results.get(name));
  const rows: Row[] = [];
  for (const c of cases) {
    const value = seconds(c.name);
    const pair = c.media === long ? c.name.replace('1 h', '10 min') : null;
    const flat = pair ? value / seconds(pair) : null;
    const ok = value <= 1 && !problems.some((p) => p.startsWith(c.name));
    rows.push({
      task: 'C',
      subject: `framepipe count 16, ${c.name}`,
      value,
      ratio: flat === null ? '—' : `${flat.toFixed(2)}× the 10-min time`,
      target: c.judged.seconds ? '≤ 1 s' : 'info',
      pass: c.judged.seconds ? ok : null,
      note: [`runs ${runList(results.get(c.name))}`, counters.get(c.name)].filter(Boolean).join('; '),
    });
    const b = bytes.get(c.name);
    if (c.http && b) {
      const sent = median(b.server);
      const share = (100 * sent) / c.media.bytes;
      rows.push({
        task: 'C',
        subject: `bytes sent by the server, ${c.name}`,
        value: sent / 1e6,
        unit: 'MB',
        ratio: `${share.toFixed(2)}% of ${(c.media.bytes / 1e6).toFixed(1)} MB`,
        target: c.judged.bytes ? '≤ 5% of the file' : 'info',
        pass: c.judged.bytes ? share <= 5 : null,
        note: `client stats.bytesRead ${(median(b.client) / 1e6).toFixed(2)} MB (${((100 * median(b.client)) / c.media.bytes).toFixed(2)}%); ${median(b.requests)} requests`,
      });
    }
  }
  const localLong = seconds('1 h, local file');
  const localShort = seconds('10 min, local file');
  const httpShare = rows.find((r) => r.subject.includes('bytes sent') && r.subject.includes('1 h'))?.ratio ?? '—';
  return {
    task: 'C',
    title: '16 frames spread uniformly over 1-hour and 10-minute clips',
    rows,
    notes: [
      `Inputs: ${long.name} (${long.frames} frames, ${(long.bytes / 1e6).toFixed(1)} MB) and ${short.name} (${short.frames} frames, ${(short.bytes / 1e6).toFixed(1)} MB), 320×180, 30 fps, GOP ${long.gop}, B-frames ${long.bFrames}; output 224×224 RGB.`,
      problems.length
        ? `Verification FAILED: ${[...new Set(problems)].join('; ')}`
        : `Verified on every run: the 16 delivered indices are round(k × (N − 1) / 15), e.g. ${expectedIndices(long.frames).slice(0, 4).join(', ')} … ${expectedIndices(long.frames).at(-1)} for the 1-hour clip.`,
      'Times are openVideo() to close(), probing included. HTTP bytes are counted by the benchmark server on its sockets (headers included); the ratio column of a time row compares the 1-hour time with the 10-minute time of the same source kind.',
      `The 5% byte target applies to the 1-hour clip. On the 10-minute clip (${Math.round(short.bytes / (short.frames / short.gop) / 1024)} KiB per GOP) the 16 sampled GOPs alone are ${((100 * COUNT * short.gop) / short.frames).toFixed(1)}% of the file, so its share is informational.`,
    ],
    summary: summarize(
      'C',
      rows,
      `local 1 h ${localLong.toFixed(3)} s vs 10 min ${localShort.toFixed(3)} s (target ≤ 1 s, flat), HTTP 1 h bytes ${httpShare} (target ≤ 5%)`,
    ),
  };
}

if (import.meta.main) printResult(await taskC());
