/**
 * Shared helpers of the benchmarks: timing commands and in-process subjects, medians over interleaved runs,
 * the result table and the machine conditions. Every task reports ratios against a reference measured in
 * the same run, because the machines are shared and noisy.
 *
 * @example
 * ```ts
 * const results = await interleaved(3, [{ name: 'ffmpeg', run: () => timeCommand('ffmpeg', args) }]);
 * console.log(formatTable(rows));
 * ```
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** One timed execution of a subject. `extra` carries whatever the subject wants to report (counters). */
export interface Measure {
  seconds: number;
  extra?: Record<string, number | string | boolean>;
}

/** A subject of a task: a name and one timed run. */
export interface Subject {
  name: string;
  run: () => Promise<Measure>;
}

/** One line of a result table. */
export interface Row {
  task: string;
  subject: string;
  /** Median over the runs, in seconds (or another unit named in `unit`). */
  value: number | null;
  /** Unit of `value`; seconds unless told. */
  unit?: string;
  /** The ratio against the task's reference, with its meaning, e.g. `0.48× floor`. */
  ratio: string;
  target: string;
  /** null: informational row without a target. */
  pass: boolean | null;
  note?: string;
}

/** What one task script returns. */
export interface TaskResult {
  task: string;
  title: string;
  rows: Row[];
  summary: string;
  /** Extra lines (verification, counters) printed under the table and kept in the docs. */
  notes: string[];
}

/** The number of runs per subject: `--runs N` or `BENCH_RUNS`, default 3 (at least 1). */
export function runCount(argv: readonly string[] = process.argv): number {
  const i = argv.indexOf('--runs');
  const raw = i >= 0 ? argv[i + 1] : process.env.BENCH_RUNS;
  const n = Number(raw ?? 3);
  return Number.isInteger(n) && n >= 1 ? n : 3;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Runs every subject `runs` times, round-robin (A B C A B C …), so that load changes hit all of them. */
export async function interleaved(runs: number, subjects: readonly Subject[]): Promise<Map<string, Measure[]>> {
  const out = new Map<string, Measure[]>(subjects.map((s) => [s.name, []]));
  for (let r = 0; r < runs; r++) {
    for (const s of subjects) {
      const m = await s.run();
      out.get(s.name)?.push(m);
      process.stderr.write(`  run ${r + 1}/${runs} ${s.name}: ${m.seconds.toFixed(3)} s\n`);
    }
  }
  return out;
}

/** Median seconds of a subject's runs. */
export function medianSeconds(measures: readonly Measure[] | undefined): number {
  if (!measures?.length) throw new Error('no measures');
  return median(measures.map((m) => m.seconds));
}

/**
 * Median of the per-round ratios `num[i] / den[i]` (seconds). Rounds run back to back, so a load change
 * mostly hits both sides of one ratio; this is steadier than the ratio of two medians on a noisy machine.
 */
export function medianRatio(num: readonly Measure[] | undefined, den: readonly Measure[] | undefined): number {
  const n = Math.min(num?.length ?? 0, den?.length ?? 0);
  if (!n) throw new Error('no measures');
  return median(Array.from({ length: n }, (_, i) => (num?.[i] as Measure).seconds / (den?.[i] as Measure).seconds));
}

/** CPU seconds (user + system) of this whole process, all threads included, since `since`. */
export function cpuSecondsSince(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}

/** The runs of a subject as `2.10/2.05/2.31`. */
export function runList(measures: readonly Measure[] | undefined): string {
  return (measures ?? []).map((m) => m.seconds.toFixed(2)).join('/');
}

/** Options of {@link timeCommand}. */
export interface CommandOptions {
  /** `count`: read stdout and count its bytes (a consumer at the end of a pipe); `ignore`: /dev/null. */
  stdout?: 'count' | 'ignore';
  /** Throw when the exit status is not 0. Default true. */
  check?: boolean;
}

/** Runs a command and measures its wall time (spawn to exit), counting stdout bytes when asked. */
export function timeCommand(
  cmd: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<Measure & { bytes: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', options.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'] });
    let bytes = 0;
    const head: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (options.stdout !== 'count' && head.length < 64) head.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0 && options.check !== false) {
        reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
      } else {
        resolve({ seconds, bytes, stdout: Buffer.concat(head).toString(), extra: { exitCode: code ?? -1 } });
      }
    });
  });
}

/** Times an in-process async function. */
export async function timeAsync(fn: () => Promise<Measure['extra'] | undefined>): Promise<Measure> {
  const start = process.hrtime.bigint();
  const extra = await fn();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, extra: extra ?? {} };
}

/** Formats a number with a sensible number of digits. */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(digits);
}

/** A Markdown table of rows (also readable in a terminal). */
export function formatTable(rows: readonly Row[]): string {
  const header = ['task', 'subject', 'median', 'ratio', 'target', 'pass', 'notes'];
  const lines = rows.map((r) => [
    r.task,
    r.subject,
    r.value === null ? '—' : `${fmt(r.value)} ${r.unit ?? 's'}`,
    r.ratio,
    r.target,
    r.pass === null ? '' : r.pass ? 'PASS' : 'MISS',
    r.note ?? '',
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => (l[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

/** Prints a task's table, notes and summary line to stdout. */
export function printResult(result: TaskResult): void {
  console.log(`\n## Task ${result.task}: ${result.title}\n`);
  console.log(formatTable(result.rows));
  if (result.notes.length) console.log(`\n${result.notes.map((n) => `- ${n}`).join('\n')}`);
  console.log(`\n${result.summary}`);
}

/** A task's summary line from its rows with targets. */
export function summarize(task: string, rows: readonly Row[], headline: string): string {
  const judged = rows.filter((r) => r.pass !== null);
  const passed = judged.filter((r) => r.pass).length;
  const verdict = passed === judged.length ? 'PASS' : 'MISS';
  return `SUMMARY task ${task}: ${verdict} (${passed}/${judged.length} targets) — ${headline}`;
}

/** Machine and run conditions, for the report. */
export interface Conditions {
  date: string;
  commit: string;
  dirty: boolean;
  cpuModel: string;
  cores: number;
  memGiB: number;
  loadAverage: string;
  node: string;
  ffmpeg: string;
}

/** Reads the conditions now (call at the start of a run: the load average is the one at the start). */
export function conditions(): Conditions {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  const cpuinfo = safeRead('/proc/cpuinfo');
  const meminfo = safeRead('/proc/meminfo');
  const memKb = Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0);
  let ffmpeg = 'unknown';
  try {
    ffmpeg = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0]?.split(' ')[2] ?? 'unknown';
  } catch {
    // No ffmpeg on PATH: the tasks that need it fail with their own message.
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'src']) !== '',
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    cores: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    memGiB: Math.round(memKb / 1024 / 1024),
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    node: process.version,
    ffmpeg,
  };
}

/** The conditions as one line. */
export function describeConditions(c: Conditions): string {
  const src = c.dirty ? ' (src/ modified)' : '';
  return `${c.date}, commit ${c.commit}${src}, ${c.cores} cores (${c.cpuModel}), ${c.memGiB} GiB, load average at start ${c.loadAverage}, Node ${c.node}, FFmpeg CLI ${c.ffmpeg}`;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Whether an executable runs (`cmd args` exits 0). */
export function available(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
