/**
 * Reading a pipeline config: the file (YAML or JSON, by extension, else by its first character), the
 * schema, the rules that span fields, and the algorithms' `use` (modules imported, specs resolved, models
 * constructed). Every mistake is an ERR_INVALID_CONFIG naming the field, found before anything starts.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type FramepipeError, isFramepipeError } from '../../core/errors.ts';
import { parseSinkSpec } from '../../sinks/open.ts';
import { createPipeline } from '../pipeline.ts';
import { type ResolvedAlgorithm, resolveAlgorithms } from './algorithms.ts';
import { recordName } from './names.ts';
import { type ConfigOrigin, type ConfigPath, configError, type Locate, zodConfigError } from './errors.ts';
import { type PipelineConfig, pipelineConfigSchema } from './schema.ts';

/** A validated config with its algorithms resolved; give it to `configToPipelines`. */
export interface LoadedPipelineConfig {
  /** The file as named (for messages), or `<config>` for a config given as an object. */
  file: string;
  /** Directory that relative inputs (sources, modules, `.onnx` files) are resolved against. */
  baseDir: string;
  /** The config as written (relative paths unresolved, defaults not filled). */
  config: PipelineConfig;
  /** One per `algorithms` entry, in order. */
  algorithms: readonly ResolvedAlgorithm[];
}

/** Options of {@link loadPipelineConfig} and {@link resolvePipelineConfig}. */
export interface LoadPipelineConfigOptions {
  /** Receives warnings while models load (provider fallbacks, …). */
  onWarning?: (warning: { code: string; message: string }) => void;
}

/**
 * Reads, validates and resolves a pipeline config file. Modules named by `use: { module }` are imported
 * and their export instantiated once (the instance serves the first source), built-in and `.onnx` models
 * are constructed (not initialised), `hf:` models are loaded. Nothing runs and no sink is opened.
 *
 * @throws FramepipeError `ERR_INVALID_CONFIG` with `details.path` (e.g. `algorithms[1].intervalSeconds`),
 *   `details.file` and, when known, `details.line`; a model that cannot be loaded keeps its own code
 *   (ERR_MODEL_NOT_FOUND, ERR_MODEL_OFFLINE, …) with the field prefixed to its message.
 * @example
 * ```ts
 * const loaded = await loadPipelineConfig('pipeline.yaml');
 * const { pipelines } = await configToPipelines(loaded);
 * ```
 */
export async function loadPipelineConfig(path: string, options: LoadPipelineConfigOptions = {}): Promise<LoadedPipelineConfig> {
  const origin: ConfigOrigin = { file: path };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory, not a file' : (err as Error).message;
    throw configError(origin, [], `cannot read the config file: ${why}`, { cause: err });
  }
  const { data, locate } = parseConfigText(text, path);
  return resolvePipelineConfig(data, { ...options, file: path, baseDir: dirname(resolve(path)), locate });
}

/**
 * Validates and resolves a config given as a value (parsed already, or written in code).
 *
 * @example
 * ```ts
 * const loaded = await resolvePipelineConfig(
 *   { sources: ['clip.mp4'], algorithms: [{ name: 'hist', use: 'builtin:histogram', intervalSeconds: 1 }] },
 *   { baseDir: process.cwd() },
 * );
 * ```
 */
export async function resolvePipelineConfig(
  data: unknown,
  options: LoadPipelineConfigOptions & { file?: string; baseDir?: string; locate?: Locate } = {},
): Promise<LoadedPipelineConfig> {
  const origin: ConfigOrigin = { file: options.file ?? '<config>', locate: options.locate };
  const baseDir = resolve(options.baseDir ?? '.');
  const config = validatePipelineConfig(data, origin);
  const algorithms = await resolveAlgorithms(config, { origin, baseDir, onWarning: options.onWarning });
  return { file: origin.file, baseDir, config, algorithms };
}

/**
 * The schema and the rules that span fields, without touching the disk: endSeconds after startSeconds,
 * unique algorithm names and source ids, and a `{source}` in record.path when there are several sources.
 *
 * @example
 * ```ts
 * const config = validatePipelineConfig(JSON.parse(text), { file: 'pipeline.json' });
 * ```
 */
export function validatePipelineConfig(data: unknown, origin: ConfigOrigin): PipelineConfig {
  if (data === null || data === undefined) {
    throw configError(origin, [], 'the config is empty; expected a mapping with sources and algorithms (see docs/pipelines-config.md)');
  }
  const parsed = pipelineConfigSchema.safeParse(data);
  if (!parsed.success) throw zodConfigError(origin, parsed.error, data, pipelineConfigSchema);
  const config = parsed.data;
  const { startSeconds, endSeconds } = config;
  if (startSeconds !== undefined && endSeconds !== undefined && endSeconds <= startSeconds) {
    throw configError(origin, ['endSeconds'], `expected a time after startSeconds (${startSeconds}), got ${endSeconds}`);
  }
  if (config.speed !== undefined && config.mode !== 'realtime') {
    throw configError(origin, ['speed'], 'speed applies to mode: realtime only (offline runs as fast as it can); remove it or set mode: realtime');
  }
  if (config.maxLatenessMs !== undefined && config.mode !== 'realtime') {
    throw configError(origin, ['maxLatenessMs'], 'maxLatenessMs applies to mode: realtime only (offline plays every frame); remove it or set mode: realtime');
  }
  for (const a of config.algorithms) {
    const span = ((a.frameCount ?? 1) - 1) * (a.frameStep ?? 1) + 1;
    if (config.bufferFrames !== undefined && span > config.bufferFrames) {
      throw configError(origin, ['bufferFrames'], `expected at least ${span} (algorithm '${a.name}' spans ${span} frames: frameCount ${a.frameCount ?? 1}, frameStep ${a.frameStep ?? 1}), got ${config.bufferFrames}`);
    }
  }
  firstDuplicate(config.algorithms.map((a) => a.name), (i, j, name) => {
    throw configError(origin, ['algorithms', i, 'name'], `duplicate name ${JSON.stringify(name)} (algorithms[${j}] has it too); give each algorithm a unique name`);
  });
  firstDuplicate(config.sources.map((s) => (typeof s === 'string' ? undefined : s.id)), (i, j, id) => {
    throw configError(origin, ['sources', i, 'id'], `duplicate id ${JSON.stringify(id)} (sources[${j}] has it too); give each source a unique id`);
  });
  (config.sinks ?? []).forEach((sink, i) => {
    if (typeof sink !== 'string') return;
    try {
      parseSinkSpec(sink);
    } catch (err) {
      throw configError(origin, ['sinks', i], `expected a sink spec (FILE.jsonl, DIR.lance, redis://…, http(s)://…) or a mapping { type, … }, got ${JSON.stringify(sink)}`, { cause: err });
    }
  });
  if (config.record && config.sources.length > 1 && !config.record.path.includes('{source}')) {
    throw configError(origin, ['record', 'path'], `with ${config.sources.length} sources the path needs {source} (e.g. out/{source}.mp4), got ${JSON.stringify(config.record.path)}`);
  }
  if (config.record) {
    const names = config.sources.map((s) => recordName(s));
    firstDuplicate(names, (i, j, name) => {
      throw configError(origin, ['sources', i], `sources[${j}] and sources[${i}] would both record to ${config.record?.path.replaceAll('{source}', name)}; give them different ids`);
    });
  }
  checkWithRunner(config, origin);
  return config;
}

/** The runner's own checks of the same numbers, so a rule this file does not know of still fails here. */
function checkWithRunner(config: PipelineConfig, origin: ConfigOrigin): void {
  const algorithms = config.algorithms.map((a) => ({ ...a, algorithm: { run: () => null } }));
  const { mode, startSeconds, endSeconds, targetFps, speed, maxLatenessMs, bufferFrames, playback, onAlgorithmError } = config;
  const record = config.record && { ...config.record, overlay: undefined };
  try {
    createPipeline({ source: origin.file, mode, algorithms, startSeconds, endSeconds, targetFps, speed, maxLatenessMs, bufferFrames, playback, record, onAlgorithmError });
  } catch (err) {
    if (!isFramepipeError(err) || err.code !== 'ERR_INVALID_OPTIONS') throw err;
    const index = config.algorithms.findIndex((a) => a.name === err.details.algorithm);
    const option = typeof err.details.option === 'string' ? err.details.option.split('.') : [];
    const path = index >= 0 ? ['algorithms', index, ...option] : option;
    throw configError(origin, path, err.message.replace(/^pipeline: /, ''), { cause: err });
  }
}

/** Calls `found(laterIndex, firstIndex, value)` for the first value seen twice (undefined values ignored). */
function firstDuplicate(values: readonly (string | undefined)[], found: (i: number, j: number, value: string) => never): void {
  const seen = new Map<string, number>();
  values.forEach((value, i) => {
    if (value === undefined) return;
    const j = seen.get(value);
    if (j !== undefined) found(i, j, value);
    seen.set(value, i);
  });
}

/**
 * Parses a config file's text: JSON for `.json` (or, for other extensions, text starting with `{`), YAML
 * otherwise. Syntax errors and an empty file are ERR_INVALID_CONFIG with the line.
 *
 * @example
 * ```ts
 * const { data, locate } = parseConfigText('sources: [a.mp4]\n', 'pipeline.yaml');
 * locate(['sources', 0]); // 1
 * ```
 */
export function parseConfigText(text: string, file: string): { data: unknown; locate: Locate } {
  const origin: ConfigOrigin = { file };
  if (text.trim() === '') throw configError(origin, [], 'the file is empty; expected a mapping with sources and algorithms (see docs/pipelines-config.md)');
  const json = /\.json$/i.test(file) || (!/\.ya?ml$/i.test(file) && /^\s*[{[]/.test(text));
  const lines = new LineCounter();
  // JSON is YAML too: the YAML document of a JSON file only serves to find the line of a bad field.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const locate: Locate = (path) => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n) as ConfigPath as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return undefined;
  };
  let data: unknown;
  if (json) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw syntaxError(origin, 'JSON', (err as Error).message.replace(/ (at position \d+ )?\(line \d+ column \d+\)$| at position \d+$/, ''), jsonLine(err as Error, text), err);
    }
  } else {
    const bad = doc.errors[0];
    if (bad) throw syntaxError(origin, 'YAML', bad.message, lines.linePos(bad.pos[0]).line, bad);
    data = doc.toJS({ maxAliasCount: 100 });
    if (data === null || data === undefined) throw configError(origin, [], 'the file holds no settings (only comments or blank lines); expected a mapping with sources and algorithms');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw configError(origin, [], `expected a mapping with sources and algorithms at the top, got ${Array.isArray(data) ? 'a list' : JSON.stringify(data)}`);
  }
  return { data, locate };
}

function syntaxError(origin: ConfigOrigin, kind: string, message: string, line: number | undefined, cause: unknown): FramepipeError {
  const error = configError(origin, [], `not valid ${kind}${line === undefined ? '' : ` at line ${line}`}: ${message}`, { cause, details: { line } });
  if (line === undefined) delete error.details.line;
  return error;
}

/** The line of a JSON.parse error: V8 says `(line L column C)` or `at position N`. */
function jsonLine(err: Error, text: string): number | undefined {
  const lineMatch = /\(line (\d+) column \d+\)/.exec(err.message);
  if (lineMatch) return Number(lineMatch[1]);
  const position = /at position (\d+)/.exec(err.message);
  return position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
}
