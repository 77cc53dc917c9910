/**
 * Progress of `framepipe run`: `bar` draws one bar per source on a terminal (one plain line per second and
 * per state change otherwise), `events` writes every pipeline event as a JSON line on stdout, `none` is
 * quiet. An optional HTTP hook gets lit_video_stream's `{ total_frames }` / `{ current_frame }` posts.
 */
import cliProgress from 'cli-progress';
import { httpProgress, type PipelineEvent } from '../index.ts';

/** How progress is shown. */
export type RunDisplay = 'bar' | 'events' | 'none';

/** What the run command feeds the progress display. */
export interface RunProgress {
  /** Whether frames must be counted (then the pipelines get a per-frame hook). */
  readonly countsFrames: boolean;
  /** Starts the display; `totals` are the frames each source will play, when known. */
  start(totals: ReadonlyMap<string, number | null>): void;
  frame(source: string, ptsSeconds: number): void;
  event(source: string, event: PipelineEvent): void;
  /** Stops the display and sends the last HTTP update. */
  stop(): Promise<void>;
}

/** Options of {@link createRunProgress}. */
export interface RunProgressOptions {
  display: RunDisplay;
  /** lit_video_stream-style HTTP hook. */
  http?: { url: string; intervalMs?: number };
  /** Where bars and lines go (stderr). */
  err: NodeJS.WritableStream;
  /** Where event lines go (stdout). */
  out: NodeJS.WritableStream;
  onHttpError?: (err: unknown) => void;
}

/** The display `options.display` names, plus the HTTP hook. */
export function createRunProgress(options: RunProgressOptions): RunProgress {
  const display = options.display === 'events' ? eventLines(options.out) : options.display === 'bar' ? bars(options.err) : quiet(options.err);
  const hook = options.http ? httpProgress(options.http.url, { intervalMs: options.http.intervalMs, onError: options.onHttpError }) : null;
  const played = new Map<string, number>();
  let total = 0;
  let stopped: Promise<void> | null = null;
  const countsFrames = hook !== null || options.display === 'bar';
  const progress: RunProgress = {
    countsFrames,
    start(totals) {
      for (const source of totals.keys()) played.set(source, 0);
      total = [...totals.values()].reduce<number>((sum, n) => sum + (n ?? 0), 0);
      hook?.reset(total);
      display.start(totals);
    },
    frame(source, ptsSeconds) {
      played.set(source, (played.get(source) ?? 0) + 1);
      display.frame(source, ptsSeconds, played.get(source) ?? 0);
      if (hook) hook.update([...played.values()].reduce((a, b) => a + b, 0));
    },
    event: (source, event) => {
      if (event.type === 'frame') {
        if (countsFrames) progress.frame(source, event.ptsSeconds);
        return;
      }
      display.event(source, event);
    },
    stop() {
      stopped ??= (async () => {
        display.stop();
        await hook?.flush();
      })();
      return stopped;
    },
  };
  return progress;
}

interface Display {
  start(totals: ReadonlyMap<string, number | null>): void;
  frame(source: string, ptsSeconds: number, played: number): void;
  event(source: string, event: PipelineEvent): void;
  stop(): void;
}

/** Warnings and algorithm errors, as text; undefined for other events. */
function problem(source: string, event: PipelineEvent): string | undefined {
  if (event.type === 'warning') return `warning ${event.code} (${source}): ${event.message}\n`;
  if (event.type === 'algorithm-error') return `source ${source}: ${event.error.message}\n`;
  return undefined;
}

function quiet(stream: NodeJS.WritableStream): Display {
  return {
    start() {},
    frame() {},
    event(source, event) {
      const text = problem(source, event);
      if (text) stream.write(text);
    },
    stop() {},
  };
}

function eventLines(out: NodeJS.WritableStream): Display {
  return {
    start() {},
    frame() {},
    event(source, event) {
      out.write(`${JSON.stringify({ source, ...event }, eventReplacer)}\n`);
    },
    stop() {},
  };
}

/** Errors as `{ code, message }`; typed arrays as arrays. */
export function eventReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { code: (value as { code?: string }).code ?? 'ERR_INTERNAL', message: value.message };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

function bars(stream: NodeJS.WritableStream): Display {
  if (!(stream as NodeJS.WriteStream).isTTY) return lines(stream);
  const multi = new cliProgress.MultiBar(
    { stream: stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, format: '{name} {bar} {value}/{total} frames | {pts}s | {results} results {status}' },
    cliProgress.Presets.shades_classic,
  );
  const rows = new Map<string, { bar: cliProgress.SingleBar; results: number; played: number }>();
  return {
    start(totals) {
      for (const [source, n] of totals) rows.set(source, { bar: multi.create(n ?? 0, 0, { name: shorten(source), pts: '0.000', results: 0, status: '' }), results: 0, played: 0 });
    },
    frame(source, pts, played) {
      const row = rows.get(source);
      if (!row) return;
      row.played = played;
      if (row.bar.getTotal() < played) row.bar.setTotal(played);
      row.bar.update(played, { pts: pts.toFixed(3), results: row.results });
    },
    event(source, event) {
      const row = rows.get(source);
      if (!row) return;
      const text = problem(source, event);
      if (text) multi.log(text);
      if (event.type === 'result') row.results++;
      else if (event.type === 'state') row.bar.update(row.played, { status: event.state === 'running' ? '' : event.state });
    },
    stop: () => multi.stop(),
  };
}

function lines(stream: NodeJS.WritableStream): Display {
  const last = new Map<string, number>();
  const results = new Map<string, number>();
  return {
    start() {},
    frame(source, pts, played) {
      const now = Date.now();
      if (now - (last.get(source) ?? 0) < 1000) return;
      last.set(source, now);
      stream.write(`progress ${source}: ${played} frames, ${pts.toFixed(3)}s, ${results.get(source) ?? 0} results\n`);
    },
    event(source, event) {
      if (event.type === 'result') results.set(source, (results.get(source) ?? 0) + 1);
      else if (event.type === 'state') stream.write(`source ${source}: ${event.state}\n`);
      else stream.write(problem(source, event) ?? '');
    },
    stop() {},
  };
}

function shorten(source: string): string {
  return (source.length > 24 ? `…${source.slice(-23)}` : source).padEnd(24);
}
