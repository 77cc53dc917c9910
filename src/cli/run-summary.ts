/**
 * What `framepipe run` prints: the plan of a loaded config (`--dry-run`) and, at the end, one summary per
 * source (frames played, per-algorithm counters and latency, the recording).
 */
import { DROP_CAUSES, type PipelineReport } from '../index.ts';
import type { ConfiguredPipelines, LoadedPipelineConfig } from '../runner/config/index.ts';

/** The plan of a loaded config: sources, timing, algorithms, sinks, recording. */
export function formatPlan(loaded: LoadedPipelineConfig, run: ConfiguredPipelines): string {
  const c = loaded.config;
  const lines = [`${loaded.file}: valid; ${count(run.pipelines.length, 'source')}, ${count(loaded.algorithms.length, 'algorithm')}, ${c.mode ?? 'offline'} mode`];
  const range = `${c.startSeconds ?? 0}s to ${c.endSeconds === undefined ? 'the end' : `${c.endSeconds}s`}`;
  const pace = c.mode === 'realtime' ? `, speed ${c.speed ?? 1}` : '';
  const size = c.playback ? `, playback ${c.playback.width ?? 'auto'}x${c.playback.height ?? 'auto'}` : '';
  lines.push(`play: ${range}, ${c.targetFps === undefined ? 'every frame' : `${c.targetFps} fps`}${pace}${size}${c.bufferFrames ? `, buffer ${c.bufferFrames} frames` : ''}`);
  lines.push('sources:');
  for (const p of run.pipelines) lines.push(`  ${p.sourceId}${String(p.options.source) === p.sourceId ? '' : ` = ${String(p.options.source)}`}`);
  lines.push('algorithms:');
  const width = Math.max(...loaded.algorithms.map((a) => a.name.length));
  for (const a of loaded.algorithms) {
    const window = a.frameCount === 1 ? '1 frame' : `${a.frameCount} frames ${a.frameStep} apart`;
    lines.push(`  ${a.name.padEnd(width)}  ${a.use}, every ${a.intervalSeconds}s of media, ${window}${a.isolate ? ', in a worker thread' : ''}`);
  }
  lines.push(`sinks: ${run.sinks.length === 0 ? 'none' : run.sinks.map((s) => s.name).join(', ')}`);
  const records = run.pipelines.flatMap((p) => (p.recordPath ? [p.recordPath] : []));
  lines.push(`record: ${records.length === 0 ? 'no' : records.join(', ')}`);
  lines.push(`on algorithm error: ${c.onAlgorithmError ?? 'fail'}`);
  return `${lines.join('\n')}\n`;
}

/** One source's summary: how it ended, frames, then a row per algorithm and the recording. */
export function formatSummary(source: string, report: PipelineReport): string {
  const how = report.state === 'failed' ? `failed: ${codeOf(report.error)}: ${report.error?.message ?? ''}` : report.reason === 'ended' ? 'ended' : 'stopped';
  const skipped = report.framesSkipped.targetFps + report.framesSkipped.beforeStart + report.framesSkipped.paused + report.framesSkipped.late;
  const late = report.mode === 'realtime' ? `, ${report.framesLate} late` : '';
  const lines = [`${source}: ${how}; ${report.framesPlayed} frames played (${report.framesDecoded} decoded, ${skipped} skipped${late}) in ${(report.wallMs / 1000).toFixed(2)}s`];
  const names = Object.keys(report.algorithms);
  if (names.length > 0) {
    const rows = [['algorithm', 'fired', 'completed', 'errors', 'dropped', 'p50 ms', 'p99 ms']];
    for (const name of names) {
      const a = report.algorithms[name];
      if (!a) continue;
      const drops = DROP_CAUSES.filter((cause) => a.dropped[cause] > 0).map((cause) => `${cause} ${a.dropped[cause]}`);
      rows.push([name, String(a.fired), String(a.completed), String(a.errors), drops.length === 0 ? '0' : drops.join(', '), ms(a.latency.p50Ms), ms(a.latency.p99Ms)]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    for (const row of rows) lines.push(`  ${row.map((cell, i) => (i === 0 || i === 4 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd()}`);
  }
  const r = report.recording;
  if (r) lines.push(`  recording: ${r.path} (${r.framesWritten} frames${r.framesDropped > 0 ? `, ${r.framesDropped} dropped` : ''}, ${r.width}x${r.height})`);
  return `${lines.join('\n')}\n`;
}

function ms(value: number | null): string {
  return value === null ? '-' : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function codeOf(error: Error | undefined): string {
  return (error as { code?: string } | undefined)?.code ?? 'ERR_INTERNAL';
}
