/**
 * Task D: end-to-end with a model on the CPU. Random-weight ResNet-18 and ViT-B/32 (ONNX, exported by
 * `scripts/export-models.py` with Debian's PyTorch), batch 32, on frames of the 1080p30 clip sampled
 * `{ every: 3, maxFrames: 320 }` (indices 0, 3 … 957; the decoder works through ~960 1080p frames) and
 * preprocessed by framepipe to 224×224 RGB, CHW float32, ImageNet mean/std (`outputForModel`).
 *
 * Per model, measured in the same run with interleaved runs (medians):
 * 1. model alone: the same frames, decoded once before the runs into batches of 32, fed through the
 *    framepipe `OnnxModel.run` (ORT intra-op threads 2 and 1; 2 is compared with ENVIRONMENT.md's numbers);
 * 2. decode alone: `openVideo` → `video.batches(32, { output })`, no model (open to close);
 * 3. end to end: `extract({ sources: [clip], model, sampling, batchSize: 32 })` with a callback sink, for
 *    each ORT thread count × decoder thread count, with the model on the main thread (createOnnxModel as
 *    is) and, with the most ORT threads, in a worker thread (bench/task-d-worker-model.ts: onnxruntime-node
 *    computes on the calling thread, so a main-thread model blocks extract's event loop for each batch).
 * Also, informational: extract with a no-op model (its own plumbing: per-frame messages, queue, batch copy).
 *
 * Bound = 1 / (1/decode + 1/model) with the best decode and best model rates (CPU: decode and model share
 * the cores). Target: end to end ≥ 0.9 × bound for the best configuration. Each run also records where the
 * CPU went (per thread group, from /proc), how many cores other processes took meanwhile, and checks the
 * delivered frame indices and that end-to-end outputs equal model-alone outputs for the same frames.
 *
 * @example
 * ```sh
 * npm run bench:d                                   # 3 runs, writes the Task D block of docs/BENCHMARKS.md
 * node bench/task-d.ts --runs 1 --frames 160        # quick look, prints only
 * node bench/task-d.ts --models resnet18 --ort 2 --decoder 0,1 --placement main --write
 * node bench/task-d.ts --doc /path/to/BENCHMARKS.md # write the block into another copy of the document
 * ```
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// Module paths rather than src/index.ts: the index also loads LanceDB, Redis and transformers.js, which task D
// does not use (and which a bare benchmark machine need not carry).
import type { OutputOptions, SamplingOptions } from '../src/core/types.ts';
import { createOnnxModel, type OnnxModel } from '../src/models/onnx/index.ts';
import type { Model, ModelBatch } from '../src/models/types.ts';
import { extract } from '../src/pipeline/extract.ts';
import { outputForModel } from '../src/pipeline/model-input.ts';
import { openVideo } from '../src/pipeline/video.ts';
import { callbackSink } from '../src/sinks/callback.ts';
import { type CpuUse, startCpuProbe } from './task-d-cpu.ts';
import { type WorkerModel, workerOnnxModel } from './task-d-worker-model.ts';
import { type ExportedModel, ensureModels, IMAGENET_INPUT, MODEL_SPECS, type ModelName, parity } from './task-d-models.ts';
import {
  conditions,
  describeConditions,
  interleaved,
  type Measure,
  median,
  ROOT,
  type Row,
  runCount,
  type Subject,
  summarize,
  type TaskResult,
} from './lib.ts';
import { ensureMedia, type Media } from './media.ts';

const BATCH = 32;
const TARGET = 0.9;
const DOC = join(ROOT, 'docs', 'BENCHMARKS.md');

/** What to measure. */
export interface TaskDOptions {
  runs: number;
  /** Frames per run (sampled every 3rd frame from the start). */
  frames: number;
  models: ModelName[];
  /** ORT intra-op thread counts for the model-alone and end-to-end subjects. */
  ortThreads: number[];
  /** Decoder thread counts (0: FFmpeg's choice) for the decode-alone and end-to-end subjects. */
  decoderThreads: number[];
  /** Where the end-to-end subjects run the model: on the main thread (createOnnxModel) and/or in a worker thread. */
  placements: Placement[];
}

/** Where an end-to-end subject's ONNX session lives. */
export type Placement = 'main' | 'worker';

/** Options from the command line: `--runs N --frames N --models a,b --ort 1,2 --decoder 0,1`. */
export function parseTaskDArgs(argv: readonly string[] = process.argv.slice(2)): TaskDOptions & { write: boolean; doc?: string } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const list = (flag: string, fallback: number[]) => value(flag)?.split(',').map(Number) ?? fallback;
  const models = (value('--models')?.split(',') ?? Object.keys(MODEL_SPECS)) as ModelName[];
  for (const m of models) if (!(m in MODEL_SPECS)) throw new Error(`unknown model ${m}; use ${Object.keys(MODEL_SPECS).join(', ')}`);
  return {
    runs: runCount(argv as string[]),
    frames: Number(value('--frames') ?? 320),
    models,
    ortThreads: list('--ort', [2, 1]),
    decoderThreads: list('--decoder', [0]),
    placements: (value('--placement')?.split(',') ?? ['main', 'worker']) as Placement[],
    write: argv.includes('--write') || argv.includes('--doc'),
    ...(value('--doc') ? { doc: value('--doc') } : {}),
  };
}

/** One measured run with what task D keeps of it. */
interface DMeasure extends Measure {
  frames: number;
  cpu: CpuUse;
  /** End to end: sum of the consumer's batch times (copy + model + sink), seconds. */
  consumerSeconds?: number;
  batchSizes?: number[];
}

interface Subjects {
  list: Subject[];
  /** subject name → its runs (the same objects `interleaved` returns, with the task-D fields). */
  runs: Map<string, DMeasure[]>;
}

/** A row of task D's table: lib's {@link Row} (value in frames/s) plus frames and seconds. */
export interface DRow extends Row {
  frames: number | null;
  seconds: number | null;
  runs: string;
}

/** Runs task D (`taskD(3)`: 3 runs, the default subjects) and returns its table. */
export async function taskD(options: number | Partial<TaskDOptions> = {}): Promise<TaskResult & { rows: DRow[] }> {
  const given = typeof options === 'number' ? { runs: options } : options;
  const o = { ...parseTaskDArgs([]), runs: runCount(), ...given };
  const clip = await ensureMedia('clip1080');
  const exported = await ensureModels(o.models);
  const sampling: SamplingOptions = { every: 3, maxFrames: o.frames };
  const expected = Array.from({ length: Math.min(o.frames, Math.ceil(clip.frames / 3)) }, (_, k) => k * 3);
  const rows: DRow[] = [];
  const notes: string[] = [
    `Input: ${clip.name} (1920×1080, 30 fps, GOP ${clip.gop}, B-frames ${clip.bFrames}), sampling { every: 3, maxFrames: ${o.frames} } → ${expected.length} frames (indices 0 … ${expected.at(-1)}), preprocessed by framepipe to 224×224 RGB CHW float32 with ImageNet mean/std (fit cover); batch ${BATCH}.`,
  ];
  const headlines: string[] = [];
  for (const name of o.models) {
    const r = await measureModel(exported[name], clip, sampling, expected, o);
    rows.push(...r.rows);
    notes.push(...r.notes);
    headlines.push(r.headline);
  }
  notes.push(
    'Method: every subject is timed from its first call to its last result (end to end: extract() called → returned, decode worker start and probing included; decode alone: openVideo → close). Models are loaded and warmed once, outside the timings, and shared by the model-alone and end-to-end subjects (a wrapper keeps extract from disposing them). One untimed warm-up pass of each decode and model subject precedes the interleaved runs.',
    'CPU columns: cores this process kept busy on average (CPU s / wall s, from getrusage) and cores other processes took meanwhile (/proc/stat busy − ours); "work" = end-to-end CPU seconds ÷ (decode-alone + model-alone CPU seconds): above 1 means running both at once costs extra CPU (contention), not idle cores.',
  );
  return {
    task: 'D',
    title: 'end to end with a model (ResNet-18, ViT-B/32 ONNX, CPU, batch 32)',
    rows,
    notes,
    summary: summarize('D', rows, headlines.join('; ')),
  };
}

async function measureModel(
  exported: ExportedModel,
  clip: Media,
  sampling: SamplingOptions,
  expected: number[],
  o: TaskDOptions,
): Promise<{ rows: DRow[]; notes: string[]; headline: string }> {
  const label = exported.label;
  process.stderr.write(`task D: ${label}: loading models, decoding the frames once\n`);
  const models = new Map<number, OnnxModel>();
  for (const threads of o.ortThreads) {
    const model = createOnnxModel({ model: exported.path, input: IMAGENET_INPUT, threads, id: `onnx:${exported.name}` });
    await model.init();
    models.set(threads, model);
  }
  const workerModels = new Map<number, WorkerModel>();
  if (o.placements.includes('worker')) {
    for (const threads of [Math.max(...o.ortThreads)]) {
      workerModels.set(
        threads,
        await workerOnnxModel({ model: exported.path, input: IMAGENET_INPUT, threads, id: `onnx:${exported.name}` }),
      );
    }
  }
  const diff = await parity(models.values().next().value as OnnxModel, exported);
  const pre = await predecode(clip.path, sampling);
  const output = pre.output;
  const problems: string[] = [];
  const frameCheck = (what: string, indices: number[]) => {
    if (indices.length !== expected.length || indices.some((v, k) => v !== expected[k])) {
      problems.push(
        `${what}: delivered ${indices.length} frames [${indices.slice(0, 4).join(',')}…], expected ${expected.length} [0,3,6…]`,
      );
    }
  };
  frameCheck('pre-decode', pre.indices);

  // Outputs of the model alone (first run of each thread count) and of the last end-to-end run, to compare.
  const aloneOutputs = new Map<number, Float32Array[]>();
  let maxOutputDiff = 0;

  const s: Subjects = { list: [], runs: new Map() };
  const add = (name: string, run: () => Promise<DMeasure>) => {
    s.runs.set(name, []);
    s.list.push({
      name,
      run: async () => {
        const m = await run();
        s.runs.get(name)?.push(m);
        return m;
      },
    });
  };

  const decodeName = (d: number) => `${label} decode alone, decoder threads ${d || 'auto'}`;
  const modelName = (t: number) => `${label} model alone, ORT ${t} thread${t > 1 ? 's' : ''}`;
  const e2eName = (p: Placement, t: number, d: number) =>
    `${label} extract() end to end, ORT ${t}, decoder ${d || 'auto'}${p === 'worker' ? ', model in a worker' : ''}`;
  const NOOP = `${label} extract() with a no-op model (plumbing)`;

  for (const d of o.decoderThreads) {
    add(decodeName(d), async () => {
      const probe = startCpuProbe();
      const video = await openVideo(clip.path, { sampling, decode: { threads: d } });
      const indices: number[] = [];
      try {
        for await (const batch of video.batches(BATCH, { output })) for (const f of batch.frames) indices.push(f.index);
      } finally {
        await video.close();
      }
      const cpu = probe.stop();
      frameCheck(decodeName(d), indices);
      return { seconds: cpu.wallSeconds, frames: indices.length, cpu };
    });
  }
  for (const [t, model] of models) {
    add(modelName(t), async () => {
      const probe = startCpuProbe();
      const outputs: Float32Array[] = [];
      for (const batch of pre.batches) outputs.push(...(await model.run(batch)));
      const cpu = probe.stop();
      if (!aloneOutputs.has(t)) aloneOutputs.set(t, outputs);
      return { seconds: cpu.wallSeconds, frames: outputs.length, cpu };
    });
  }
  // The worker placement only with the most ORT threads: one thread leaves a core idle while the model runs.
  const workerThreads = [Math.max(...o.ortThreads)];
  const e2eConfigs = o.placements.flatMap((p) =>
    (p === 'worker' ? workerThreads : o.ortThreads).flatMap((t) => o.decoderThreads.map((d) => ({ p, t, d }))),
  );
  for (const { p, t, d } of e2eConfigs) {
    const model = (p === 'worker' ? workerModels.get(t) : models.get(t)) as Model<Float32Array>;
    {
      const name = e2eName(p, t, d);
      add(name, async () => {
        // extract() disposes its model at the end: hand it a view that leaves the shared session open.
        const shared: Model<Float32Array> = { id: model.id, input: model.input, run: (b, signal) => model.run(b, signal) };
        const got = new Map<number, Float32Array>();
        const batchSizes: number[] = [];
        let consumerMs = 0;
        const probe = startCpuProbe();
        const summary = await extract({
          sources: [clip.path],
          model: shared,
          sampling,
          batchSize: BATCH,
          open: { decode: { threads: d } },
          sink: callbackSink<Float32Array>((records) => {
            for (const r of records) got.set(r.index, r.output);
          }),
          onEvent: (e) => {
            if (e.type === 'batch-done') {
              consumerMs += e.modelMs;
              batchSizes.push(e.frames);
            }
          },
        });
        const cpu = probe.stop();
        const source = summary.sources[0];
        if (source?.status !== 'done') problems.push(`${name}: source ${source?.status}: ${source?.error?.message}`);
        const indices = [...got.keys()].sort((a, b) => a - b);
        frameCheck(name, indices);
        const alone = aloneOutputs.get(t);
        if (alone) {
          pre.indices.forEach((index, k) => {
            const a = alone[k] as Float32Array;
            const b = got.get(index);
            if (!b) return;
            for (let i = 0; i < a.length; i++) maxOutputDiff = Math.max(maxOutputDiff, Math.abs((a[i] as number) - (b[i] as number)));
          });
        }
        return { seconds: cpu.wallSeconds, frames: summary.framesProcessed, cpu, consumerSeconds: consumerMs / 1000, batchSizes };
      });
    }
  }
  add(NOOP, async () => {
    const probe = startCpuProbe();
    const summary = await extract({
      sources: [clip.path],
      model: async (batch: ModelBatch) => batch.frames.map(() => 0),
      modelInput: IMAGENET_INPUT,
      sampling,
      batchSize: BATCH,
    });
    const cpu = probe.stop();
    return { seconds: cpu.wallSeconds, frames: summary.framesProcessed, cpu };
  });

  // Warm-up: page cache, JIT, ORT's first batch-32 allocations. Not the end-to-end subjects (they only
  // combine what is warmed here) — ViT-B/32 would add half a minute each.
  process.stderr.write(`task D: ${label}: warm-up\n`);
  for (const subject of s.list) if (!subject.name.includes('end to end')) await subject.run();
  for (const list of s.runs.values()) list.length = 0;
  aloneOutputs.clear();
  problems.length = 0;
  frameCheck('pre-decode', pre.indices);
  process.stderr.write(`task D: ${label}: ${o.runs} interleaved runs of ${s.list.length} subjects\n`);
  await interleaved(o.runs, s.list);

  const stat = (name: string) => {
    const runs = s.runs.get(name) ?? [];
    const seconds = median(runs.map((m) => m.seconds));
    const frames = runs[0]?.frames ?? 0;
    return {
      name,
      runs,
      seconds,
      frames,
      fps: frames / seconds,
      cpuSeconds: median(runs.map((m) => m.cpu.processSeconds)),
      cores: median(runs.map((m) => m.cpu.processCores)),
      others: median(runs.map((m) => m.cpu.otherCores)),
    };
  };
  const decodes = o.decoderThreads.map((d) => ({ d, ...stat(decodeName(d)) }));
  const alones = o.ortThreads.map((t) => ({ t, ...stat(modelName(t)) }));
  const bestDecode = decodes.reduce((a, b) => (b.fps > a.fps ? b : a));
  const bestModel = alones.reduce((a, b) => (b.fps > a.fps ? b : a));
  const bound = 1 / (1 / bestDecode.fps + 1 / bestModel.fps);
  const e2es = e2eConfigs.map(({ p, t, d }) => {
    const st = stat(e2eName(p, t, d));
    const alone = alones.find((a) => a.t === t);
    const dec = decodes.find((x) => x.d === d);
    return { p, t, d, ...st, ratio: st.fps / bound, work: st.cpuSeconds / ((dec?.cpuSeconds ?? NaN) + (alone?.cpuSeconds ?? NaN)) };
  });
  const best = e2es.reduce((a, b) => (b.fps > a.fps ? b : a));
  const noop = stat(NOOP);

  const runList = (runs: DMeasure[]) => runs.map((m) => m.seconds.toFixed(2)).join('/');
  const cpuNote = (x: { cores: number; others: number }) => `CPU ${x.cores.toFixed(2)} cores (others ${x.others.toFixed(2)})`;
  const row = (subject: string, x: ReturnType<typeof stat>, ratio: string, target: string, pass: boolean | null, note: string): DRow => ({
    task: 'D',
    subject,
    value: x.fps,
    unit: 'frames/s',
    ratio,
    target,
    pass,
    note,
    frames: x.frames,
    seconds: x.seconds,
    runs: runList(x.runs),
  });
  const rows: DRow[] = [];
  for (const x of decodes) rows.push(row(x.name, x, `${(x.fps / bound).toFixed(2)}× bound`, 'stage', null, cpuNote(x)));
  for (const x of alones) {
    const env = exported.environmentImgPerSecond;
    const vsEnv = x.t === 2 ? `; ${(x.fps / env).toFixed(2)}× ENVIRONMENT.md's ${env} img/s` : '';
    rows.push(row(x.name, x, `${(x.fps / bound).toFixed(2)}× bound`, 'stage', null, `${cpuNote(x)}${vsEnv}`));
  }
  rows.push({
    task: 'D',
    subject: `${label} bound 1/(1/decode + 1/model)`,
    value: bound,
    unit: 'frames/s',
    ratio: '1.00× bound',
    target: 'reference',
    pass: null,
    note: `decode ${bestDecode.fps.toFixed(1)} (decoder ${bestDecode.d || 'auto'}), model ${bestModel.fps.toFixed(1)} (ORT ${bestModel.t})`,
    frames: null,
    seconds: null,
    runs: '',
  });
  for (const x of e2es) {
    const runs = x.runs;
    const consumer = median(runs.map((m) => m.consumerSeconds ?? 0));
    const partial = runs.flatMap((m) => m.batchSizes ?? []).filter((n) => n !== BATCH).length;
    const byThread = summarizeThreads(runs);
    const judged = x === best;
    rows.push(
      row(
        x.name,
        x,
        `${x.ratio.toFixed(2)}× bound`,
        judged ? `≥ ${TARGET}× bound (best config)` : `≥ ${TARGET}× bound`,
        judged ? x.ratio >= TARGET : null,
        `${cpuNote(x)}; work ${x.work.toFixed(2)}×; consumer busy ${((consumer / x.seconds) * 100).toFixed(0)}% (waits ${(x.seconds - consumer).toFixed(2)} s); ${partial ? `${partial} partial batches; ` : ''}threads: ${byThread}`,
      ),
    );
  }
  rows.push(
    row(
      NOOP,
      noop,
      `${(noop.fps / bound).toFixed(2)}× bound`,
      'info',
      null,
      `${(noop.fps / bestDecode.fps).toFixed(2)}× decode alone; ${cpuNote(noop)}`,
    ),
  );

  const notes = [
    `${label}: ${(exported.parameters / 1e6).toFixed(1)} M parameters, ${(exported.bytes / 1e6).toFixed(1)} MB ONNX (opset ${exported.opset}, torch ${exported.torch}); ONNX Runtime vs PyTorch on the reference batch: max |Δlogit| ${diff.toExponential(1)}; end-to-end outputs vs model-alone outputs for the same frames: max |Δ| ${maxOutputDiff.toExponential(1)}.`,
    problems.length
      ? `${label}: CHECK FAILED: ${[...new Set(problems)].join('; ')}`
      : `${label}: every run delivered indices 0, 3 … ${expected.at(-1)} (${expected.length} frames).`,
  ];
  if (problems.length) for (const r of rows) if (r.pass) r.pass = false;
  for (const model of models.values()) await model.dispose();
  for (const model of workerModels.values()) await model.dispose();
  const f1 = (v: number) => v.toFixed(1);
  const headline = `${label} ${f1(best.fps)} frames/s end to end = ${best.ratio.toFixed(2)}× bound ${f1(bound)} (ORT ${best.t}, decoder ${best.d || 'auto'}${best.p === 'worker' ? ', model in a worker' : ''}; decode ${f1(bestDecode.fps)}, model ${f1(bestModel.fps)})`;
  return { rows, notes, headline };
}

/** CPU seconds per thread group, medians over the runs, as `ORT pool 5.1 s, …`. */
function summarizeThreads(runs: readonly DMeasure[]): string {
  const groups = new Set(runs.flatMap((m) => Object.keys(m.cpu.byThread)));
  return [...groups]
    .map((g) => [g, median(runs.map((m) => m.cpu.byThread[g] ?? 0))] as const)
    .filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([g, v]) => `${g} ${v.toFixed(1)} s`)
    .join(', ');
}

/** Decodes the sampled frames once into model batches (the input of the model-alone subjects). */
async function predecode(
  path: string,
  sampling: SamplingOptions,
): Promise<{ batches: ModelBatch[]; indices: number[]; output: OutputOptions }> {
  const video = await openVideo(path, { sampling });
  const output = outputForModel(IMAGENET_INPUT);
  const batches: ModelBatch[] = [];
  const indices: number[] = [];
  try {
    for await (const b of video.batches(BATCH, { output })) {
      batches.push({ ...b, frames: b.frames.map((f) => ({ ...f, source: path })) });
      indices.push(...b.frames.map((f) => f.index));
    }
  } finally {
    await video.close();
  }
  return { batches, indices, output };
}

/** The task's table with the columns task D reports: subject, frames, seconds, frames/s, ratio, target, pass. */
export function formatTaskD(rows: readonly DRow[]): string {
  const header = ['subject', 'frames', 's (median)', 'frames/s', 'ratio', 'target', 'pass', 'notes'];
  const lines = rows.map((r) => [
    r.subject,
    r.frames === null ? '—' : String(r.frames),
    r.seconds === null ? '—' : r.seconds.toFixed(2),
    r.value === null ? '—' : r.value.toFixed(1),
    r.ratio,
    r.target,
    r.pass === null ? '' : r.pass ? 'PASS' : 'MISS',
    [r.runs && `runs ${r.runs}`, r.note].filter(Boolean).join('; '),
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => (l[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

/** The Task D block of docs/BENCHMARKS.md. */
function block(result: TaskResult & { rows: DRow[] }, conditionsStart: string, loadEnd: string, runs: number): string {
  return [
    `Measured ${conditionsStart}; load average at the end ${loadEnd}; median of ${runs} interleaved runs. Run: \`npm run bench:d\`.`,
    '',
    formatTaskD(result.rows),
    '',
    ...result.notes.map((n) => `- ${n}`),
    '',
    `\`${result.summary}\``,
  ].join('\n');
}

const START = '<!-- bench:task-d:start -->';
const END = '<!-- bench:task-d:end -->';

/** Rewrites only the text between the Task D markers (appending a Task D section with them when missing). */
async function writeBlock(text: string, path = DOC): Promise<void> {
  const doc = existsSync(path) ? await readFile(path, 'utf8') : '# Benchmarks\n';
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  const fresh = `${START}\n${text}\n${END}`;
  const out =
    i >= 0 && j > i
      ? doc.slice(0, i) + fresh + doc.slice(j + END.length)
      : `${doc.trimEnd()}\n\n## Task D: end to end with a model\n\n${fresh}\n`;
  await writeFile(path, out);
}

if (import.meta.main) {
  const args = parseTaskDArgs();
  const start = conditions();
  console.log(
    `task D: ${args.models.join(', ')}; ORT threads ${args.ortThreads.join('/')}, decoder threads ${args.decoderThreads.map((d) => d || 'auto').join('/')}; ${args.frames} frames; ${args.runs} runs; ${describeConditions(start)}`,
  );
  const result = await taskD(args);
  const loadEnd = (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ').slice(0, 3).join(' ');
  console.log(`\n## Task D: ${result.title}\n`);
  console.log(formatTaskD(result.rows));
  console.log(`\n${result.notes.map((n) => `- ${n}`).join('\n')}\n\n${result.summary}`);
  if (args.write) {
    const doc = args.doc ?? DOC;
    await writeBlock(block(result, describeConditions(start), loadEnd, args.runs), doc);
    console.log(`\nupdated the Task D block of ${doc}`);
  }
}
