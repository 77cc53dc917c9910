/**
 * `framepipe search STORE "text" [--k 5]`: text → frame search over a LanceDB store written by `extract`.
 * Prints source, time (h:mm:ss.mmm) and score, best first.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openLanceStore, openVideo } from '../index.ts';
import { numberFlag, usageError } from './args.ts';
import { loadModel, loadTextEncoder, modelFlagsFrom } from './model-spec.ts';

export const SEARCH_USAGE = 'framepipe search STORE.lance "a dog on a skateboard" [--k 5] [--model hf:ID_OR_DIR] [--image FILE] [--json]';

export async function searchCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { k: { type: 'string' }, model: { type: 'string' }, image: { type: 'string' }, json: { type: 'boolean' }, offline: { type: 'boolean' }, 'cache-dir': { type: 'string' }, providers: { type: 'string' } },
  });
  const [store, text] = positionals;
  if (!store || (text === undefined && values.image === undefined) || positionals.length > 2) throw usageError(`search needs a store and a query. Usage: ${SEARCH_USAGE}`);
  const k = numberFlag(values, 'k', true) ?? 5;
  if (k < 1 || k > 1000) throw usageError(`--k must be from 1 to 1000, got ${k}.`);
  const spec = values.model ?? (await storedModel(store));
  const flags = modelFlagsFrom(values);
  const vector = text !== undefined ? await embedText(spec, text, flags) : await embedImage(spec, values.image as string, flags);
  await using db = await openLanceStore(store);
  const hits = await db.search(vector, k);
  if (values.json) out.write(`${JSON.stringify(hits)}\n`);
  else for (const h of hits) out.write(`${h.source}\t${formatTime(h.ptsSeconds)}\t${h.score.toFixed(4)}\n`);
  return 0;
}

async function storedModel(store: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(join(store, 'framepipe.json'), 'utf8')) as { model: string }).model;
  } catch {
    throw usageError(`${store} does not say which model made it (no framepipe.json); pass --model hf:ID_OR_DIR.`);
  }
}

async function embedText(spec: string, text: string, flags: ReturnType<typeof modelFlagsFrom>): Promise<Float32Array> {
  const encoder = await loadTextEncoder(spec, flags);
  try {
    const [vector] = await encoder.encode([text]);
    return vector as Float32Array;
  } finally {
    await encoder.dispose();
  }
}

async function embedImage(spec: string, image: string, flags: ReturnType<typeof modelFlagsFrom>): Promise<Float32Array> {
  const model = await loadModel(spec, flags);
  try {
    await model.init?.();
    await using video = await openVideo(image, { sampling: { count: 1, first: true } });
    const { outputForModel } = await import('../pipeline/model-input.ts');
    for await (const batch of video.batches(1, { output: outputForModel(model.input) })) {
      const [output] = await model.run({ ...batch, frames: batch.frames.map((f) => ({ ...f, source: image })) });
      if (output instanceof Float32Array) return output;
      if (output && typeof output === 'object' && 'embedding' in output) return (output as { embedding: Float32Array }).embedding;
    }
    throw usageError(`${spec} gives no embedding for ${image}.`);
  } finally {
    await model.dispose?.();
  }
}

/** Seconds as h:mm:ss.mmm. */
export function formatTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}
