/**
 * Execution-provider selection: try each requested provider in order, fall back with a warning when one is
 * not available, and tell a missing provider apart from a broken model. ONNX Runtime fails session
 * creation as a whole when a provider cannot be appended, so each provider gets its own attempt.
 */
import { FramepipeError } from '../../core/errors.ts';

/** Execution providers framepipe knows how to ask ONNX Runtime for. */
export const EXECUTION_PROVIDERS = ['cuda', 'tensorrt', 'webgpu', 'coreml', 'dml', 'cpu'] as const;

/** One ONNX Runtime execution provider. */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** A recoverable problem while loading or running a model (the work goes on). */
export interface ModelWarning {
  /** Stable code, e.g. `provider-fallback`. */
  code: string;
  /** What happened and what to do about it. */
  message: string;
  /** Structured facts: the provider that failed, the one used instead, ONNX Runtime's message. */
  details: Record<string, unknown>;
}

/** What to do about each provider. */
export interface ProviderPolicy {
  /** Providers in order of preference. */
  providers: readonly ExecutionProvider[];
  /** Fail instead of falling back when the first provider is unavailable. */
  requireProvider: boolean;
  /** Receives a `provider-fallback` warning for each provider skipped. */
  onWarning: (warning: ModelWarning) => void;
  /** Names the model in messages (a path, `<bytes>`, a hub id). */
  modelName: string;
}

const HOW_TO_GET: Record<ExecutionProvider, string> = {
  cuda: 'install onnxruntime-node with its CUDA 12 libraries (reinstall without onnxruntime-node-install=skip in .npmrc) on a machine with an NVIDIA GPU',
  tensorrt: 'install onnxruntime-node with its CUDA and TensorRT libraries on a machine with an NVIDIA GPU and TensorRT',
  webgpu: 'make a GPU adapter visible to Dawn (Vulkan on Linux, D3D12 on Windows, Metal on macOS)',
  coreml: 'run on macOS, where onnxruntime-node ships CoreML',
  dml: 'run on Windows, where onnxruntime-node ships DirectML',
  cpu: 'the CPU provider is always built in',
};

// Messages ONNX Runtime gives when a provider cannot be set up, as opposed to when the model is bad.
const PROVIDER_FAILURE = /backend not found|ExecutionProvider|shared library|providers_shared|adapter|not available|not supported on this/i;

/**
 * Creates something (a session) with the first provider that works, per `policy`.
 *
 * @example
 * ```ts
 * const { value, provider } = await withProviderFallback(
 *   { providers: ['cuda', 'cpu'], requireProvider: false, onWarning: console.warn, modelName: 'm.onnx' },
 *   (ep) => ort.InferenceSession.create('m.onnx', { executionProviders: [ep] }),
 * );
 * ```
 */
export async function withProviderFallback<T>(
  policy: ProviderPolicy,
  attempt: (provider: ExecutionProvider) => Promise<T>,
): Promise<{ value: T; provider: ExecutionProvider }> {
  const failures: { provider: ExecutionProvider; message: string }[] = [];
  for (const [i, provider] of policy.providers.entries()) {
    try {
      return { value: await attempt(provider), provider };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (provider === 'cpu' || !PROVIDER_FAILURE.test(message)) throw modelLoadError(policy.modelName, err);
      failures.push({ provider, message });
      const next = policy.providers[i + 1];
      if (policy.requireProvider || next === undefined) throw unavailable(policy, failures, err);
      policy.onWarning({
        code: 'provider-fallback',
        message: `Execution provider '${provider}' is not available (${firstLine(message)}); using '${next}' instead. To use '${provider}', ${HOW_TO_GET[provider]}.`,
        details: { provider, fallback: next, cause: message },
      });
    }
  }
  throw new FramepipeError('ERR_INVALID_OPTIONS', 'providers is empty; list at least one, e.g. ["cpu"].', {
    details: { option: 'providers' },
  });
}

function unavailable(policy: ProviderPolicy, failures: { provider: ExecutionProvider; message: string }[], cause: unknown): FramepipeError {
  const last = failures[failures.length - 1] as { provider: ExecutionProvider; message: string };
  const tried = failures.map((f) => `'${f.provider}' (${firstLine(f.message)})`).join(', ');
  const fix = policy.requireProvider
    ? `To use '${last.provider}', ${HOW_TO_GET[last.provider]}; or drop requireProvider to fall back to the next provider.`
    : `Add 'cpu' at the end of providers to always have a fallback.`;
  return new FramepipeError(
    'ERR_PROVIDER_UNAVAILABLE',
    `No requested execution provider is available for ${policy.modelName}: ${tried}. ${fix}`,
    {
      cause,
      details: { providers: [...policy.providers], failures },
    },
  );
}

/** Wraps an ONNX Runtime load failure that is not about providers as ERR_MODEL_INVALID. */
export function modelLoadError(
  modelName: string,
  err: unknown,
  fix = 'Check that it is a complete .onnx file (not a Git LFS pointer or a truncated download) exported with an opset this ONNX Runtime supports.',
): FramepipeError {
  if (err instanceof FramepipeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FramepipeError('ERR_MODEL_INVALID', `${modelName} could not be loaded as an ONNX model: ${firstLine(message)}. ${fix}`, {
    cause: err,
    details: { model: modelName },
  });
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '')
    .trim()
    .replace(/[.\s]+$/, '')
    .slice(0, 300);
}
