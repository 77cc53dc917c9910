/**
 * The one options object of {@link openVideo}, validated once at the edge with messages that name the
 * option, the bad value and the fix.
 */
import { z } from 'zod';
import { FramepipeError } from '../core/errors.ts';
import type { OutputOptions, SamplingOptions, VideoInfo } from '../core/types.ts';
import type { HardwareAcceleration } from '../decode/decoder.ts';
import { type FilterPlan, planFilterGraph } from '../preprocess/filter-graph.ts';
import { createTensorWriter } from '../preprocess/tensor.ts';
import { validateSampling } from '../sampling/validate.ts';
import type { SourceOptions } from '../sources/types.ts';
import type { WorkerBudget } from './worker-protocol.ts';

/** A recoverable problem reported while the run goes on (decode error in one frame, reconnect, fallback). */
export interface VideoWarning {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** Limits checked before work starts and while it runs. `null` means no limit. */
export interface BudgetOptions {
  /** Largest coded frame size in pixels. Default 7680×4320 (8K). Checked at open. */
  maxPixelsPerFrame?: number | null;
  /** Most bytes downloaded over the network. Default: no limit. */
  maxBytes?: number | null;
  /** Most frames decoded in one run (decoded, not delivered). Default: no limit. */
  maxDecodedFrames?: number | null;
  /** Longest declared duration accepted, in seconds. Default: no limit. Checked at open. */
  maxDurationSeconds?: number | null;
}

/** Decoder settings. */
export interface DecodeOptions {
  /** Decoder threads; 0 (default) lets FFmpeg choose. */
  threads?: number;
  /** Hardware decoding: `none` (default), `auto`, or a device type such as `cuda` or `vaapi`. Falls back to software with a warning. */
  hardware?: HardwareAcceleration;
  /** Fail with ERR_HWACCEL_UNAVAILABLE instead of falling back to software. Default false. */
  requireHardware?: boolean;
}

/** Options of {@link openVideo}. Every field is optional. */
export interface OpenVideoOptions {
  /** Which frames to deliver (default: every frame). See docs/sampling.md. */
  sampling?: SamplingOptions;
  /** Size, crop, colour, layout and value type of delivered frames (default: displayed size, rgb24, HWC, uint8). */
  output?: OutputOptions;
  /** Decoder settings. */
  decode?: DecodeOptions;
  /** Limits (pixels, bytes, frames, duration). */
  budget?: BudgetOptions;
  /** How to reach the source: HTTP headers, timeouts, retries, cache, live reconnect. See docs/sources.md. */
  source?: Omit<SourceOptions, 'signal' | 'maxBytes' | 'onWarning'>;
  /** Cancels opening and every run. */
  signal?: AbortSignal;
  /** Receives recoverable problems (decode errors, retries, reconnects, fallbacks). */
  onWarning?: (warning: VideoWarning) => void;
}

/** Options after validation, with defaults filled. */
export interface NormalizedOptions {
  sampling: SamplingOptions;
  output: OutputOptions;
  decoder: { threads: number; hardware: HardwareAcceleration; requireHardware: boolean };
  budget: WorkerBudget;
  source: SourceOptions;
  signal: AbortSignal | undefined;
  onWarning: (warning: VideoWarning) => void;
  validateSampling(options: unknown): SamplingOptions;
  planOutput(info: VideoInfo, output: OutputOptions): FilterPlan;
}

const limit = z.number().int().positive().nullable().optional();
const outputSchema = z.strictObject({
  width: z.number().optional(),
  height: z.number().optional(),
  fit: z.enum(['fill', 'cover', 'contain']).optional(),
  shortestEdge: z.number().optional(),
  padColor: z.string().optional(),
  crop: z.strictObject({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).optional(),
  pixelFormat: z.enum(['rgb24', 'bgr24', 'gray', 'rgba']).optional(),
  layout: z.enum(['hwc', 'chw']).optional(),
  dtype: z.enum(['uint8', 'float32']).optional(),
  mean: z.array(z.number()).optional(),
  std: z.array(z.number()).optional(),
});
const optionsSchema = z.strictObject({
  sampling: z.unknown().optional(),
  output: outputSchema.optional(),
  decode: z
    .strictObject({
      threads: z.number().int().min(0).max(64).optional(),
      hardware: z.enum(['none', 'auto', 'cuda', 'vaapi', 'qsv', 'vulkan', 'videotoolbox', 'd3d11va', 'drm']).optional(),
      requireHardware: z.boolean().optional(),
    })
    .optional(),
  budget: z.strictObject({ maxPixelsPerFrame: limit, maxBytes: limit, maxDecodedFrames: limit, maxDurationSeconds: z.number().positive().nullable().optional() }).optional(),
  source: z.record(z.string(), z.unknown()).optional(),
  signal: z.instanceof(AbortSignal).optional(),
  onWarning: z.function().optional(),
});

/** Validates options and fills defaults. Throws ERR_INVALID_OPTIONS naming the first bad field. */
export function normalizeOpenOptions(options: OpenVideoOptions): NormalizedOptions {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw invalid(parsed.error);
  const budget = options.budget ?? {};
  const output = (options.output ?? {}) as OutputOptions;
  return {
    sampling: validateSampling(options.sampling ?? {}),
    output,
    decoder: { threads: options.decode?.threads ?? 0, hardware: options.decode?.hardware ?? 'none', requireHardware: options.decode?.requireHardware ?? false },
    budget: {
      maxPixelsPerFrame: budget.maxPixelsPerFrame === undefined ? 7680 * 4320 : budget.maxPixelsPerFrame,
      maxDurationSeconds: budget.maxDurationSeconds ?? null,
      maxDecodedFrames: budget.maxDecodedFrames ?? null,
    },
    source: { ...options.source, maxBytes: budget.maxBytes ?? null, onWarning: (w) => options.onWarning?.({ code: w.code, message: w.message, details: w.details ?? {} }) },
    signal: options.signal,
    onWarning: options.onWarning ?? (() => {}),
    validateSampling,
    planOutput(info, out) {
      const parsedOut = outputSchema.safeParse(out);
      if (!parsedOut.success) throw invalid(parsedOut.error, 'output');
      const plan = planFilterGraph(info, out);
      createTensorWriter(plan, out);
      return plan;
    },
  };
}

function invalid(error: z.ZodError, prefix?: string): FramepipeError {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? [])].filter((p) => p !== undefined).join('.');
  const message = issue?.code === 'unrecognized_keys' ? `unknown option ${[path, ...issue.keys].filter(Boolean).join('.')}` : `${path || 'options'}: ${issue?.message ?? 'invalid'}`;
  return new FramepipeError('ERR_INVALID_OPTIONS', `Invalid options: ${message}. See docs/api.md for the accepted values.`, {
    details: { option: path, issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
  });
}
