/**
 * Validation of registrations and schedule options at registration time. Every failure is an
 * `ERR_INVALID_OPTIONS` naming the algorithm, the field, the bad value and the fix, because these messages
 * reach users verbatim.
 */
import { FramepipeError } from '../core/errors.ts';
import type { Registration, ScheduleOptions } from './types.ts';

/**
 * Buffered frames one call of `reg` spans: its window is `frameCount` frames `frameStep` apart.
 *
 * @example
 * ```ts
 * requiredBufferFrames({ name: 'pose', frameCount: 4, frameStep: 10, intervalSeconds: 1 }); // 31
 * ```
 */
export function requiredBufferFrames(reg: Pick<Registration, 'frameCount' | 'frameStep'>): number {
  return (reg.frameCount - 1) * reg.frameStep + 1;
}

/**
 * Checks registrations and options once and returns frozen copies.
 *
 * @throws FramepipeError `ERR_INVALID_OPTIONS` with `details: { option, value }` (and `algorithm`).
 * @example
 * ```ts
 * validateSchedule([{ name: 'pose', frameCount: 4, frameStep: 10, intervalSeconds: 1 }], { bufferFrames: 20 });
 * // throws: algorithm 'pose' needs a buffer of 31 frames (frameCount 4, frameStep 10); the buffer holds 20:
 * //         raise bufferFrames to at least 31
 * ```
 */
export function validateSchedule(
  registrations: readonly Registration[],
  options: ScheduleOptions,
): { registrations: readonly Registration[]; options: ScheduleOptions } {
  if (!Array.isArray(registrations) || registrations.length === 0) {
    throw invalid('registrations', registrations,
      `registrations must list at least one algorithm, got ${show(registrations)}; e.g. [{ name: 'detect', frameCount: 1, frameStep: 1, intervalSeconds: 1 }]`);
  }
  const clean = registrations.map((reg, i) => validateRegistration(reg, i));
  const seen = new Set<string>();
  for (const reg of clean) {
    if (seen.has(reg.name)) {
      throw invalid('name', reg.name, `algorithm name '${reg.name}' is registered twice; give each registration a unique name`);
    }
    seen.add(reg.name);
  }
  const checked = validateOptions(options);
  checkBuffer(clean, checked.bufferFrames);
  return { registrations: Object.freeze(clean), options: checked };
}

function validateRegistration(reg: Registration, position: number): Registration {
  if (typeof reg !== 'object' || reg === null) {
    throw invalid(`registrations[${position}]`, reg, `registrations[${position}] must be an object, got ${show(reg)}`);
  }
  if (typeof reg.name !== 'string' || reg.name.length === 0) {
    throw invalid('name', reg.name, `registrations[${position}].name must be a non-empty string, got ${show(reg.name)}; e.g. name: 'detect'`);
  }
  const who = `algorithm '${reg.name}'`;
  for (const [field, fix] of [
    ['frameCount', 'e.g. frameCount: 1 for one frame per call'],
    ['frameStep', 'frameStep: 1 takes consecutive buffered frames'],
  ] as const) {
    const value = reg[field];
    if (!Number.isInteger(value) || value < 1) {
      throw invalid(field, value, `${who}: ${field} must be an integer ≥ 1, got ${show(value)}; ${fix}`, reg.name);
    }
  }
  const interval = reg.intervalSeconds;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
    throw invalid('intervalSeconds', interval,
      `${who}: intervalSeconds must be a finite number > 0 (seconds), got ${show(interval)}; e.g. intervalSeconds: 0.5 for twice a second`, reg.name);
  }
  return Object.freeze({ name: reg.name, frameCount: reg.frameCount, frameStep: reg.frameStep, intervalSeconds: interval });
}

function validateOptions(options: ScheduleOptions): ScheduleOptions {
  const frames = options?.bufferFrames;
  if (!Number.isInteger(frames) || frames < 1) {
    throw invalid('bufferFrames', frames, `bufferFrames must be an integer ≥ 1, got ${show(frames)}; e.g. bufferFrames: 30`);
  }
  const start = options.startSeconds;
  if (start === undefined) return { bufferFrames: frames };
  if (typeof start !== 'number' || !Number.isFinite(start) || start < 0) {
    throw invalid('startSeconds', start, `startSeconds must be a finite number ≥ 0 (seconds), got ${show(start)}; e.g. startSeconds: 1.5`);
  }
  return { bufferFrames: frames, startSeconds: start };
}

/** Names the registration that needs the most, so that one fix covers every registration. */
function checkBuffer(registrations: readonly Registration[], bufferFrames: number): void {
  let worst: Registration | null = null;
  for (const reg of registrations) {
    if (requiredBufferFrames(reg) > bufferFrames && (worst === null || requiredBufferFrames(reg) > requiredBufferFrames(worst))) {
      worst = reg;
    }
  }
  if (worst === null) return;
  const needed = requiredBufferFrames(worst);
  throw new FramepipeError('ERR_INVALID_OPTIONS',
    `algorithm '${worst.name}' needs a buffer of ${needed} frames (frameCount ${worst.frameCount}, frameStep ${worst.frameStep}); ` +
    `the buffer holds ${bufferFrames}: raise bufferFrames to at least ${needed}`,
    { details: { option: 'bufferFrames', value: bufferFrames, algorithm: worst.name, needed } });
}

function invalid(option: string, value: unknown, message: string, algorithm?: string): FramepipeError {
  const details: Record<string, unknown> = { option, value };
  if (algorithm !== undefined) details.algorithm = algorithm;
  return new FramepipeError('ERR_INVALID_OPTIONS', message, { details });
}

function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
