/**
 * Turns a Hugging Face model reference (a local directory, or a hub id such as `Xenova/clip-vit-base-patch32`)
 * into a local directory holding the files a model needs, downloading missing ones into the cache unless
 * offline. The cache layout is transformers.js's file cache (`<cacheDir>/<id>/<file>`), so a model fetched
 * by either is found by the other.
 *
 * Downloads are ours rather than transformers.js's: its loader keeps process-wide state (`env`) and, in
 * 4.3.1, checks tokenizer files against the default cache and the network even when given `cache_dir`
 * and `local_files_only`, and remembers a "missing" answer for the rest of the process.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { FramepipeError } from '../../core/errors.ts';

/** Where a Hugging Face model comes from and how it may be fetched. */
export interface HubOptions {
  /** Directory of downloaded hub models. Default: transformers.js's `env.cacheDir` (read when the model is loaded). */
  cacheDir?: string;
  /** Never contact the hub; a hub model must already be in `cacheDir`. Default false. */
  offline?: boolean;
  /** Branch, tag or commit of a hub model. Default `main`. */
  revision?: string;
  /** Hub address (a mirror, or a local server in tests). Default `https://huggingface.co`. */
  hubUrl?: string;
  /** Access token for gated or private hub models, sent as `Authorization: Bearer …`. Default: none. */
  hubToken?: string;
}

/** A model resolved to a local directory. */
export interface ResolvedModel {
  /** Absolute directory holding the model files. */
  dir: string;
  /** Whether `model` was a hub id (else a local directory). */
  fromHub: boolean;
}

const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/**
 * Resolves `model` to a directory that holds every file in `files` (paths relative to the model root).
 * Local directory with a missing file, unknown hub id → ERR_MODEL_NOT_FOUND; offline or unreachable hub
 * with files not cached → ERR_MODEL_OFFLINE.
 *
 * @example
 * ```ts
 * const { dir } = await resolveModel('Xenova/clip-vit-base-patch32', ['config.json', 'onnx/vision_model.onnx'], { cacheDir: '/models' }, async () => '/models');
 * ```
 */
export async function resolveModel(
  model: string,
  files: readonly string[],
  options: HubOptions,
  defaultCacheDir: () => Promise<string>,
): Promise<ResolvedModel> {
  const local = await localDirectory(model);
  if (local) {
    const missing = await missingFiles(local, files);
    if (missing.length > 0) {
      throw new FramepipeError(
        'ERR_MODEL_NOT_FOUND',
        `${local} lacks ${missing.join(', ')}; a model directory needs ${files.join(', ')} (the transformers.js layout, ONNX files under onnx/).`,
        {
          details: { model, dir: local, missing },
        },
      );
    }
    return { dir: local, fromHub: false };
  }
  if (!HUB_ID.test(model) || model.includes('..') || model.includes('--')) {
    throw new FramepipeError(
      'ERR_MODEL_NOT_FOUND',
      `Model "${model}" is neither an existing directory nor a hub id like "owner/name"; check the path or the id.`,
      { details: { model } },
    );
  }
  const revision = options.revision ?? 'main';
  const cacheDir = resolve(options.cacheDir ?? (await defaultCacheDir()));
  const dir = revision === 'main' ? join(cacheDir, model) : join(cacheDir, model, revision);
  const missing = await missingFiles(dir, files);
  if (missing.length === 0) return { dir, fromHub: true };
  if (options.offline) throw offlineError(model, dir, missing, 'offline is set');
  for (const file of missing) await download(model, file, join(dir, file), revision, options);
  return { dir, fromHub: true };
}

async function localDirectory(model: string): Promise<string | null> {
  const looksLikePath = isAbsolute(model) || model.startsWith('.') || model.startsWith('file:') || model.includes('\\');
  const path = model.startsWith('file:') ? new URL(model).pathname : model;
  try {
    if ((await stat(path)).isDirectory()) return resolve(path);
  } catch {
    // Not on disk: a hub id, or a path that does not exist.
  }
  if (looksLikePath) {
    throw new FramepipeError(
      'ERR_MODEL_NOT_FOUND',
      `Model directory not found: ${model}. Pass an existing directory (config.json, onnx/…) or a hub id like "owner/name".`,
      { details: { model } },
    );
  }
  return null;
}

async function missingFiles(dir: string, files: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const file of files) {
    const ok = await stat(join(dir, file)).then(
      (s) => s.isFile() && s.size > 0,
      () => false,
    );
    if (!ok) missing.push(file);
  }
  return missing;
}

async function download(model: string, file: string, target: string, revision: string, options: HubOptions): Promise<void> {
  const base = (options.hubUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
  const url = `${base}/${model}/resolve/${encodeURIComponent(revision)}/${file}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: options.hubToken ? { authorization: `Bearer ${options.hubToken}` } : {} });
  } catch (err) {
    throw offlineError(
      model,
      dirname(target),
      [file],
      `the hub at ${base} is unreachable (${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)})`,
      err,
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw statusError(model, file, url, response.status, options);
  }
  await mkdir(dirname(target), { recursive: true });
  // Write beside the target and rename, so an interrupted download never looks like a cached file.
  const part = `${target}.${randomUUID()}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(part));
    await rename(part, target);
  } catch (err) {
    await rm(part, { force: true });
    throw offlineError(model, dirname(target), [file], `the download of ${url} broke off`, err);
  }
}

function statusError(model: string, file: string, url: string, status: number, options: HubOptions): FramepipeError {
  const details = { model, file, url, status };
  if (status === 404) {
    return new FramepipeError(
      'ERR_MODEL_NOT_FOUND',
      `The hub has no ${file} for "${model}" (revision ${options.revision ?? 'main'}; HTTP 404 from ${url}). Check the id, or use a repository with ONNX exports (e.g. under Xenova/ or onnx-community/).`,
      { details },
    );
  }
  if (status === 401 || status === 403) {
    return new FramepipeError(
      'ERR_MODEL_NOT_FOUND',
      `The hub refused ${url} (HTTP ${status}): "${model}" is gated or private. Accept its terms on the hub and pass hubToken, or pass a local directory.`,
      { details },
    );
  }
  const retriable = status >= 500 || status === 429 || status === 408;
  return new FramepipeError(
    retriable ? 'ERR_MODEL_OFFLINE' : 'ERR_MODEL_NOT_FOUND',
    `The hub answered HTTP ${status} for ${url}.${retriable ? ' Try again later, or pre-download the model into cacheDir.' : ''}`,
    { details, retriable },
  );
}

function offlineError(model: string, dir: string, missing: string[], why: string, cause?: unknown): FramepipeError {
  return new FramepipeError(
    'ERR_MODEL_OFFLINE',
    `Hub model "${model}" is not cached (${dir} lacks ${missing.join(', ')}) and ${why}. Download it once where the hub is reachable into the same cacheDir, or copy the model files there, or pass a local model directory instead of the id.`,
    { cause, details: { model, dir, missing } },
  );
}
