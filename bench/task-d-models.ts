/**
 * Task D's models: random-weight ResNet-18 and ViT-B/32 exported to ONNX by `scripts/export-models.py`
 * (Debian's PyTorch 1.13) into `bench/.media/models/` (gitignored), exported on first use, plus the parity
 * check against the PyTorch reference the export script writes next to each model.
 *
 * @example
 * ```ts
 * const models = await ensureModels();           // exports them when missing
 * const model = createOnnxModel({ model: models.resnet18.path, input: IMAGENET_INPUT, threads: 2 });
 * await model.init();
 * const diff = await parity(model, models.resnet18); // max |ORT − PyTorch| over 2 × 1000 logits
 * ```
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OnnxModel } from '../src/models/onnx/index.ts';
import type { ModelBatch, ModelInput } from '../src/models/types.ts';
import { ROOT } from './lib.ts';
import { MEDIA_DIR } from './media.ts';

const run = promisify(execFile);

/** Where the exported models live. */
export const MODEL_DIR = join(MEDIA_DIR, 'models');

/** The input both models take: 224×224 RGB, CHW float32, ImageNet mean/std, short side scaled and centre-cropped. */
export const IMAGENET_INPUT: ModelInput = {
  width: 224,
  height: 224,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** The task D models, with the model-alone throughput ENVIRONMENT.md reports for this kind of machine (2 threads). */
export const MODEL_SPECS = {
  resnet18: { label: 'ResNet-18', environmentImgPerSecond: 61 },
  vit_b_32: { label: 'ViT-B/32', environmentImgPerSecond: 23 },
} as const;

/** A model's name. */
export type ModelName = keyof typeof MODEL_SPECS;

/** An exported model as `<name>.ref.json` describes it. */
export interface ExportedModel {
  name: ModelName;
  label: string;
  path: string;
  bytes: number;
  parameters: number;
  opset: number;
  torch: string;
  environmentImgPerSecond: number;
  reference: { path: string; inputShape: number[]; outputShape: number[] };
}

interface RefJson {
  bytes: number;
  parameters: number;
  opset: number;
  torch: string;
  reference: { file: string; input_shape: number[]; output_shape: number[] };
}

const PYTHON = '/usr/bin/python3';

/** Returns the exported models, running the export script first when a file is missing. */
export async function ensureModels(
  names: readonly ModelName[] = Object.keys(MODEL_SPECS) as ModelName[],
): Promise<Record<ModelName, ExportedModel>> {
  const missing = names.filter((n) => !existsSync(join(MODEL_DIR, `${n}.onnx`)) || !existsSync(join(MODEL_DIR, `${n}.ref.json`)));
  if (missing.length) {
    process.stderr.write(`exporting ${missing.join(', ')} with ${PYTHON} scripts/export-models.py …\n`);
    try {
      await run(PYTHON, [join(ROOT, 'scripts', 'export-models.py'), '--out', MODEL_DIR, ...missing.flatMap((n) => ['--only', n])], {
        maxBuffer: 1 << 24,
      });
    } catch (err) {
      throw new Error(
        `Exporting the task D models failed. Install Debian's PyTorch and export them by hand:\n` +
          `  bash scripts/export-models.sh\n${(err as { stderr?: string }).stderr?.slice(-2000) ?? (err as Error).message}`,
      );
    }
  }
  const out = {} as Record<ModelName, ExportedModel>;
  for (const name of names) {
    const ref = JSON.parse(await readFile(join(MODEL_DIR, `${name}.ref.json`), 'utf8')) as RefJson;
    out[name] = {
      name,
      label: MODEL_SPECS[name].label,
      path: join(MODEL_DIR, `${name}.onnx`),
      bytes: ref.bytes,
      parameters: ref.parameters,
      opset: ref.opset,
      torch: ref.torch,
      environmentImgPerSecond: MODEL_SPECS[name].environmentImgPerSecond,
      reference: {
        path: join(MODEL_DIR, ref.reference.file),
        inputShape: ref.reference.input_shape,
        outputShape: ref.reference.output_shape,
      },
    };
  }
  return out;
}

/** Runs the PyTorch reference input through `model` and returns the largest absolute logit difference. */
export async function parity(model: OnnxModel, exported: ExportedModel): Promise<number> {
  const bytes = await readFile(exported.reference.path);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const inputSize = exported.reference.inputShape.reduce((a, b) => a * b, 1);
  const input = all.slice(0, inputSize);
  const expected = all.subarray(inputSize);
  const n = exported.reference.inputShape[0] as number;
  const outputs = await model.run(syntheticBatch(input, n));
  let max = 0;
  const rowSize = expected.length / n;
  outputs.forEach((row, i) => {
    for (let k = 0; k < rowSize; k++) max = Math.max(max, Math.abs((row[k] as number) - (expected[i * rowSize + k] as number)));
  });
  return max;
}

/** A {@link ModelBatch} of `n` 3×224×224 float32 frames around `data` (metadata made up). */
export function syntheticBatch(data: Float32Array, n: number): ModelBatch {
  return {
    frames: Array.from({ length: n }, (_, i) => ({
      index: i,
      ptsSeconds: i,
      durationSeconds: null,
      keyframe: false,
      decodedAtMs: 0,
      source: 'reference',
    })),
    shape: [n, 3, 224, 224],
    format: 'rgb24',
    layout: 'chw',
    dtype: 'float32',
    data,
  };
}
