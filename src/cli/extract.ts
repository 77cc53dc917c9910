/**
 * `framepipe extract SRC… --model SPEC --out SINK`: runs a model over sampled frames of several videos and
 * writes results batch by batch, with a progress bar per video. Ctrl-C stops cleanly: what was written stays.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extract, isFramepipeError, openSink, parseSinkSpec, type Sink } from '../index.ts';
import { numberFlag, openOptionsFromFlags, SAMPLING_FLAGS, samplingFromFlags, SOURCE_FLAGS, usageError } from './args.ts';
import { createExtractProgress } from './extract-progress.ts';
import { loadModel, modelFlagsFrom } from './model-spec.ts';

export const EXTRACT_USAGE =
  'framepipe extract SRC… --model builtin:NAME|hf:ID_OR_DIR|PATH.onnx --out FILE.jsonl|DIR.lance|redis://…|http(s)://… [sampling flags] [--batch N] [--concurrency N] [--offline] [--cache-dir DIR] [--providers cpu,webgpu]';

const MODEL_FLAGS = {
  model: { type: 'string' },
  out: { type: 'string', multiple: true },
  batch: { type: 'string' },
  concurrency: { type: 'string' },
  offline: { type: 'boolean' },
  providers: { type: 'string' },
  'model-threads': { type: 'string' },
  'input-size': { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export async function extractCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...MODEL_FLAGS, ...SOURCE_FLAGS, ...SAMPLING_FLAGS } });
  if (positionals.length === 0) throw usageError(`extract needs at least one source. Usage: ${EXTRACT_USAGE}`);
  if (typeof values.model !== 'string') throw usageError(`extract needs --model. Usage: ${EXTRACT_USAGE}`);
  const outs = (values.out as string[] | undefined) ?? [];
  if (outs.length === 0) throw usageError(`extract needs --out (a .jsonl file, a .lance directory, redis://… or http(s)://…). Usage: ${EXTRACT_USAGE}`);
  outs.forEach((spec) => parseSinkSpec(spec));
  const warn = (w: { code: string; message: string; source?: string }) => err.write(`warning ${w.code}${w.source ? ` (${w.source})` : ''}: ${w.message}\n`);
  const model = await loadModel(values.model, { ...modelFlagsFrom(values), onWarning: warn });
  const sinks: Sink<unknown>[] = outs.map((spec) => openSink(spec));
  const progress = createExtractProgress(err, values.quiet === true);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    const summary = await extract({
      sources: positionals,
      model,
      sampling: samplingFromFlags(values),
      batchSize: numberFlag(values, 'batch', true) ?? 32,
      concurrency: numberFlag(values, 'concurrency', true) ?? 2,
      sink: sinks,
      signal: controller.signal,
      open: openOptionsFromFlags(values),
      onEvent: progress.onEvent,
      onWarning: warn,
    });
    progress.stop();
    for (const spec of outs) if (parseSinkSpec(spec).kind === 'lance') await writeFile(join(spec, 'framepipe.json'), `${JSON.stringify({ model: values.model })}\n`);
    const failed = summary.sources.filter((s) => s.status === 'failed');
    for (const s of failed) err.write(`error ${s.error?.code}: ${s.id}: ${s.error?.message}\n`);
    if (values.quiet !== true) {
      out.write(`${summary.framesProcessed} frames from ${summary.sources.length - failed.length}/${summary.sources.length} sources in ${summary.seconds.toFixed(2)}s (${summary.framesPerSecond.toFixed(1)} frames/s) → ${outs.join(', ')}\n`);
    }
    return failed.length > 0 ? 1 : 0;
  } catch (e) {
    progress.stop();
    if (controller.signal.aborted && isFramepipeError(e) && e.code === 'ERR_ABORTED') {
      err.write('interrupted: results written so far are kept\n');
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
