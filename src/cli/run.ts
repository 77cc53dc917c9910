/**
 * `framepipe run FILE`: runs the pipelines a YAML or JSON config describes (one per source, all at once),
 * shows progress, prints a summary per source. `--dry-run` checks the file (modules imported, models
 * constructed) and prints the plan without running. Exit 0 ok, 1 a run failed, 2 a config or usage
 * mistake, 130 on Ctrl-C (results written so far are kept, the recording is finalised).
 */
import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { createPipeline, FramepipeError, isFramepipeError, openVideo, type Pipeline, type PipelineReport } from '../index.ts';
import { type ConfiguredPipelines, configToPipelines, type LoadedPipelineConfig, loadPipelineConfig, PROGRESS_DISPLAYS } from '../runner/config/index.ts';
import { usageError } from './args.ts';
import { createRunProgress, eventReplacer, type RunDisplay, type RunProgress } from './run-progress.ts';
import { formatPlan, formatSummary } from './run-summary.ts';

export const RUN_USAGE = 'framepipe run PIPELINE.yaml|.json [--dry-run] [--out-dir DIR] [--progress bar|events|none] [--quiet]';

const RUN_FLAGS = {
  'dry-run': { type: 'boolean' },
  'out-dir': { type: 'string' },
  progress: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** Runs `framepipe run`; returns the exit code (config mistakes throw ERR_INVALID_CONFIG: main() exits 2). */
export async function runCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: RUN_FLAGS });
  if (positionals.length !== 1) throw usageError(`run needs exactly one config file, got ${positionals.length}. Usage: ${RUN_USAGE}`);
  const flag = values.progress;
  if (flag !== undefined && !(PROGRESS_DISPLAYS as readonly string[]).includes(flag)) throw usageError(`--progress must be bar, events or none, got "${flag}".`);
  const file = positionals[0] as string;
  const warn = (w: { code: string; message: string }) => err.write(`warning ${w.code}: ${w.message}\n`);
  const loaded = await loadPipelineConfig(file, { onWarning: warn });
  const settings = progressSettings(loaded, values.quiet === true ? 'none' : (flag as RunDisplay | undefined));
  const controller = new AbortController();
  const progress = createRunProgress({ ...settings, out, err, onHttpError: (e) => warn({ code: 'progress-http', message: (e as Error)?.message ?? String(e) }) });
  const run = await configToPipelines(loaded, {
    outDir: values['out-dir'],
    signal: controller.signal,
    onEvent: (source, event) => progress.event(source, event),
  });
  try {
    const pipelines = run.pipelines.map((p) => createOrConfigError(loaded, p.options));
    if (values['dry-run'] === true) {
      out.write(formatPlan(loaded, run));
      return 0;
    }
    await run.prepare();
    return await runAll(run, pipelines, progress, controller, settings.display, out, err);
  } finally {
    await run.close();
  }
}

async function runAll(
  run: ConfiguredPipelines,
  pipelines: Pipeline[],
  progress: RunProgress,
  controller: AbortController,
  display: RunDisplay,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', onSigint);
  try {
    progress.start(progress.countsFrames ? await expectedFrames(run) : new Map(run.pipelines.map((p) => [p.sourceId, null])));
    const reports = await Promise.all(pipelines.map(async (pipeline) => pipeline.run().catch(() => pipeline.report as PipelineReport)));
    await progress.stop();
    let failed = 0;
    reports.forEach((report, i) => {
      const source = run.pipelines[i]?.sourceId ?? String(i);
      if (report.state === 'failed') failed++;
      if (display === 'events') out.write(`${JSON.stringify({ source, type: 'report', ...report }, eventReplacer)}\n`);
      else out.write(formatSummary(source, report));
      if (report.state === 'failed' && display !== 'events') err.write(`error ${(report.error as FramepipeError | undefined)?.code ?? 'ERR_INTERNAL'}: ${source}: ${report.error?.message ?? ''}\n`);
    });
    if (interrupted) {
      err.write('interrupted: results written so far are kept\n');
      return 130;
    }
    return failed > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await progress.stop();
  }
}

/** The runner's own checks, reported as config mistakes (they are the file's numbers). */
function createOrConfigError(loaded: LoadedPipelineConfig, options: Parameters<typeof createPipeline>[0]): Pipeline {
  try {
    return createPipeline(options);
  } catch (e) {
    if (!isFramepipeError(e) || e.code !== 'ERR_INVALID_OPTIONS') throw e;
    throw new FramepipeError('ERR_INVALID_CONFIG', `${loaded.file}: ${e.message}`, { cause: e, details: { file: loaded.file, path: String(e.details.option ?? '') } });
  }
}

function progressSettings(loaded: LoadedPipelineConfig, override: RunDisplay | undefined): { display: RunDisplay; http?: { url: string; intervalMs?: number } } {
  const p = loaded.config.progress;
  const display = override ?? (typeof p === 'string' ? p : (p?.display ?? 'bar'));
  const http = typeof p === 'object' ? p.http : undefined;
  return { display, ...(http === undefined ? {} : { http: typeof http === 'string' ? { url: http } : http }) };
}

/** Frames each local file will play (from its duration and frame rate); null for other sources. */
async function expectedFrames(run: ConfiguredPipelines): Promise<Map<string, number | null>> {
  const totals = new Map<string, number | null>();
  for (const p of run.pipelines) {
    const source = p.options.source;
    let total: number | null = null;
    if (typeof source === 'string' && isAbsolute(source)) {
      try {
        await using video = await openVideo(source);
        const { durationSeconds, fps, isLive } = video.info;
        const end = Math.min(p.options.endSeconds ?? Infinity, durationSeconds ?? Infinity);
        const rate = p.options.targetFps ?? fps;
        if (!isLive && Number.isFinite(end) && rate) total = Math.max(0, Math.ceil((end - (p.options.startSeconds ?? 0)) * rate));
      } catch {
        // The run reports what is wrong with the source; the bar just has no total.
      }
    }
    totals.set(p.sourceId, total);
  }
  return totals;
}
