/**
 * The `use` of each configured algorithm, resolved before anything starts: a built-in model, a model spec
 * (`hf:…`, `PATH.onnx`) or the export of the user's own module. Each resolution checks what can be checked
 * (names, files, exports, options) and makes one instance; further sources get fresh instances, because
 * stateful algorithms (the built-in motion and scene models, most user algorithms) keep state per stream.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { isFramepipeError, FramepipeError } from '../../core/errors.ts';
import { BUILTIN_MODEL_NAMES, builtinModel, isBuiltinModelName } from '../../models/builtin/index.ts';
import { EXECUTION_PROVIDERS } from '../../models/onnx/index.ts';
import { loadModel, type ModelFlags } from '../../models/spec.ts';
import type { Model } from '../../models/types.ts';
import { isolatedAlgorithm, type IsolatedSource } from '../isolated.ts';
import { instantiateExport, isClass } from '../module-export.ts';
import type { Algorithm } from '../types.ts';
import { type ConfigOrigin, type ConfigPath, configError, showValue, zodConfigError } from './errors.ts';
import type { AlgorithmConfig, PipelineConfig } from './schema.ts';

/** One configured algorithm with its `use` resolved. */
export interface ResolvedAlgorithm {
  /** The registration's name. */
  name: string;
  /** What it runs, for plans and messages: `builtin:scene`, `onnx:/abs/model.onnx`, `module:/abs/x.ts#default`. */
  use: string;
  /** Which form `use` took. */
  kind: 'builtin' | 'hf' | 'onnx' | 'module';
  /** Whether each instance runs in its own worker thread (`isolate: true`; see `isolatedAlgorithm`). */
  isolate: boolean;
  frameCount: number;
  frameStep: number;
  intervalSeconds: number;
  /**
   * An instance for one more source. The first call returns the instance made while loading; later calls
   * make new ones (a module that exports a plain object gives that same object every time). Isolated, every
   * call gives a new `isolatedAlgorithm` that loads the algorithm in its worker on `init()`.
   */
  instantiate(): Promise<Model | Algorithm>;
}

/** What resolving needs to know. */
export interface ResolveContext {
  origin: ConfigOrigin;
  /** Directory relative paths are resolved against (the config file's). */
  baseDir: string;
  onWarning?: (warning: { code: string; message: string }) => void;
}

const providers = z.array(z.enum(EXECUTION_PROVIDERS, { error: `one of ${EXECUTION_PROVIDERS.join(', ')}` }), { error: 'a list of execution providers' });
const threads = z.number({ error: 'an integer ≥ 1' }).int({ error: 'an integer ≥ 1' }).min(1, { error: 'an integer ≥ 1' });
const channels = z.array(z.number({ error: 'a number' }), { error: 'a list of numbers, one per channel' }).min(1, { error: 'a list of numbers, one per channel' });
const pixels = z.number({ error: 'an integer number of pixels ≥ 1' }).int({ error: 'an integer number of pixels ≥ 1' }).min(1, { error: 'an integer number of pixels ≥ 1' });
const onnxOptionsSchema = z.strictObject({
  inputSize: z.strictObject({ width: pixels, height: pixels }, { error: 'a mapping { width, height }' }).optional(),
  mean: channels.optional(),
  std: channels.optional(),
  providers: providers.optional(),
  threads: threads.optional(),
}, { error: 'a mapping of model options' });
const hfOptionsSchema = z.strictObject({
  cacheDir: z.string({ error: 'a directory path' }).min(1, { error: 'a directory path' }).optional(),
  offline: z.boolean({ error: 'true or false' }).optional(),
  providers: providers.optional(),
  threads: threads.optional(),
}, { error: 'a mapping of model options' });

/**
 * Resolves every algorithm of a validated config, in order; the first failure throws.
 *
 * @example
 * ```ts
 * const algorithms = await resolveAlgorithms(config, { origin: { file: 'p.yaml' }, baseDir: '/work' });
 * const instance = await algorithms[0]!.instantiate();
 * ```
 */
export async function resolveAlgorithms(config: PipelineConfig, ctx: ResolveContext): Promise<ResolvedAlgorithm[]> {
  const out: ResolvedAlgorithm[] = [];
  for (const [index, entry] of config.algorithms.entries()) out.push(await resolveAlgorithm(entry, index, ctx));
  return out;
}

async function resolveAlgorithm(entry: AlgorithmConfig, index: number, ctx: ResolveContext): Promise<ResolvedAlgorithm> {
  const at: ConfigPath = ['algorithms', index];
  const isolate = entry.isolate === true;
  const resolved = await resolveUse(entry, at, ctx, isolate);
  const instantiate = isolate ? async () => isolatedAlgorithm(resolved.isolated) : spare(resolved.first, resolved.make);
  return {
    name: entry.name,
    kind: resolved.kind,
    use: resolved.use,
    isolate,
    frameCount: entry.frameCount ?? 1,
    frameStep: entry.frameStep ?? 1,
    intervalSeconds: entry.intervalSeconds,
    instantiate,
  };
}

/** What a `use` resolved to: how to make an instance here, and how a worker thread makes one. */
interface ResolvedUse {
  kind: ResolvedAlgorithm['kind'];
  use: string;
  /** The instance made while checking; undefined when nothing was made here (`hf:` with isolate). */
  first: Model | Algorithm | undefined;
  make: () => Promise<Model | Algorithm>;
  isolated: IsolatedSource;
}

async function resolveUse(entry: AlgorithmConfig, at: ConfigPath, ctx: ResolveContext, isolate: boolean): Promise<ResolvedUse> {
  if (typeof entry.use !== 'string') {
    if (entry.options !== undefined && entry.use.options !== undefined) {
      throw configError(ctx.origin, [...at, 'options'], 'give the options of a { module } algorithm once, either here or in use.options');
    }
    const exportName = entry.use.export ?? 'default';
    const options = entry.use.options ?? entry.options;
    const made = await resolveModule(entry.use.module, exportName, options, at, ctx);
    return { kind: 'module', use: made.use, first: made.first, make: made.make, isolated: { kind: 'module', module: made.file, export: exportName, options: options ?? {} } };
  }
  const spec = entry.use;
  if (spec.startsWith('builtin:')) {
    const bare = spec.slice('builtin:'.length);
    if (!isBuiltinModelName(bare)) {
      throw configError(ctx.origin, [...at, 'use'], `unknown built-in model ${JSON.stringify(spec)}; available: ${BUILTIN_MODEL_NAMES.map((n) => `builtin:${n}`).join(', ')}`);
    }
    const make = async () => builtinModel(bare, entry.options as never);
    // Built here even when isolated: it is cheap and checks the options before anything starts.
    const first = await modelOrConfigError(make, at, ctx);
    return { kind: 'builtin', use: spec, first, make, isolated: { kind: 'spec', spec, options: entry.options } };
  }
  if (spec.startsWith('hf:')) {
    const flags = parseOptions(hfOptionsSchema, entry.options, at, ctx);
    const target = spec.slice(3);
    // A local model directory is relative to the config file, like every other input.
    const model = /^\.{1,2}[/\\]/.test(target) ? resolve(ctx.baseDir, target) : target;
    const plain: ModelFlags = { ...flags, ...(flags.cacheDir === undefined ? {} : { cacheDir: resolve(ctx.baseDir, flags.cacheDir) }) };
    const make = () => loadModel(`hf:${model}`, { ...plain, onWarning: ctx.onWarning });
    // Isolated, the worker loads it: loading it here too would hold a second session for nothing.
    const first = isolate ? undefined : await modelOrConfigError(make, at, ctx);
    return { kind: 'hf', use: `hf:${model}`, first, make, isolated: { kind: 'spec', spec: `hf:${model}`, flags: plain } };
  }
  const file = resolve(ctx.baseDir, spec);
  if (spec.endsWith('.onnx') || existsSync(file)) {
    if (!existsSync(file)) throw configError(ctx.origin, [...at, 'use'], `model file not found: ${file}`);
    const flags = parseOptions(onnxOptionsSchema, entry.options, at, ctx);
    const make = () => loadModel(file, { ...flags, onWarning: ctx.onWarning });
    return { kind: 'onnx', use: `onnx:${file}`, first: await modelOrConfigError(make, at, ctx), make, isolated: { kind: 'spec', spec: file, flags } };
  }
  const hint = isBuiltinModelName(spec) ? `; did you mean builtin:${spec}?` : '';
  throw configError(
    ctx.origin,
    [...at, 'use'],
    `expected a model spec (builtin:NAME, hf:HUB_ID_OR_DIR, a path to an .onnx file) or a mapping { module, export?, options? }, got ${showValue(spec)}${hint}`,
  );
}

/** An instantiate() that hands out `first` once, then makes new instances. */
function spare<T>(first: T | undefined, make: () => Promise<T>): () => Promise<T> {
  let kept: T | undefined = first;
  return async () => {
    if (kept === undefined) return make();
    const instance = kept;
    kept = undefined;
    return instance;
  };
}

function parseOptions<T>(schema: z.ZodType<T>, options: unknown, at: ConfigPath, ctx: ResolveContext): T {
  const parsed = schema.safeParse(options ?? {});
  if (!parsed.success) throw zodConfigError(ctx.origin, parsed.error, options, schema, [...at, 'options']);
  return parsed.data;
}

/** Builds a model; its ERR_INVALID_OPTIONS points at the option, any other failure names the field. */
async function modelOrConfigError(make: () => Promise<Model>, at: ConfigPath, ctx: ResolveContext): Promise<Model> {
  try {
    return await make();
  } catch (err) {
    if (isFramepipeError(err) && err.code === 'ERR_INVALID_OPTIONS') {
      const option = typeof err.details.option === 'string' ? [err.details.option] : [];
      throw configError(ctx.origin, [...at, 'options', ...option], err.message, { cause: err });
    }
    if (isFramepipeError(err)) {
      // Not a mistake in the file (a model missing from the cache, a broken download): keep its code.
      const where = configError(ctx.origin, [...at, 'use'], err.message);
      throw new FramepipeError(err.code, where.message, { cause: err, retriable: err.retriable, details: { ...err.details, ...where.details } });
    }
    throw configError(ctx.origin, [...at, 'use'], `could not create the model: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

async function resolveModule(
  path: string,
  exportName: string,
  options: Record<string, unknown> | undefined,
  at: ConfigPath,
  ctx: ResolveContext,
): Promise<{ use: string; file: string; first: Model | Algorithm; make: () => Promise<Model | Algorithm> }> {
  const file = isAbsolute(path) ? path : resolve(ctx.baseDir, path);
  const shown = relative(ctx.baseDir, file) || file;
  if (!existsSync(file)) throw configError(ctx.origin, [...at, 'use', 'module'], `module file not found: ${file}`);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw configError(ctx.origin, [...at, 'use', 'module'], `could not load ${shown}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  if (!(exportName in namespace)) {
    const names = Object.keys(namespace);
    throw configError(ctx.origin, [...at, 'use', 'export'], `${shown} has no export ${JSON.stringify(exportName)}; its exports: ${names.length > 0 ? names.join(', ') : 'none'}`);
  }
  const exported = namespace[exportName];
  const label = `export ${JSON.stringify(exportName)} of ${shown}`;
  if (typeof exported !== 'function' && options !== undefined) {
    throw configError(ctx.origin, [...at, 'use', 'options'], `${label} is an object, not a factory function or class, so it takes no options`);
  }
  const make = async (): Promise<Model | Algorithm> => {
    let instance: unknown;
    try {
      instance = await instantiateExport(exported, options);
    } catch (err) {
      throw configError(ctx.origin, [...at, 'use'], `${label} threw while creating the algorithm: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    if (instance === null || typeof instance !== 'object' || typeof (instance as { run?: unknown }).run !== 'function') {
      const what = typeof exported === 'function' ? `${isClass(exported) ? 'constructed' : 'returned'} ${describe(instance)}` : `is ${describe(instance)}`;
      throw configError(
        ctx.origin,
        [...at, 'use'],
        `${label} ${what} without a run() method; export an algorithm { run(frames, context) }, a model { id, input, run(batch) }, a factory function returning one, or a class`,
      );
    }
    return instance as Model | Algorithm;
  };
  return { use: `module:${file}#${exportName}`, file, first: await make(), make };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'function' ? 'a function' : showValue(value)}`;
}
