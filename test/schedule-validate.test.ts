/**
 * Registration-time errors: every bad field, duplicate names and a buffer too small for a window are
 * ERR_INVALID_OPTIONS naming the algorithm, the field and the fix, before any frame is seen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FramepipeError } from '../src/core/errors.ts';
import type { Registration, ScheduleOptions } from '../src/schedule/index.ts';
import { createRealtimePolicy, createSchedule, requiredBufferFrames } from '../src/schedule/index.ts';

const pose: Registration = { name: 'pose', frameCount: 4, frameStep: 10, intervalSeconds: 1 };

function rejects(regs: readonly Registration[], options: ScheduleOptions, option: string, message: RegExp): void {
  for (const create of [createSchedule, createRealtimePolicy]) {
    assert.throws(() => create(regs, options), (err: unknown) => {
      assert.ok(err instanceof FramepipeError);
      assert.equal(err.code, 'ERR_INVALID_OPTIONS');
      assert.equal(err.details.option, option);
      assert.match(err.message, message);
      return true;
    });
  }
}

test('requiredBufferFrames: (frameCount − 1) × frameStep + 1', () => {
  assert.equal(requiredBufferFrames(pose), 31);
  assert.equal(requiredBufferFrames({ frameCount: 1, frameStep: 30 }), 1);
  assert.equal(requiredBufferFrames({ frameCount: 5, frameStep: 1 }), 5);
  assert.equal(requiredBufferFrames({ frameCount: 3, frameStep: 2 }), 5);
});

test('a buffer too small: the exact message, naming the algorithm and the size needed', () => {
  assert.throws(() => createSchedule([pose], { bufferFrames: 20 }), {
    code: 'ERR_INVALID_OPTIONS',
    message: "algorithm 'pose' needs a buffer of 31 frames (frameCount 4, frameStep 10); the buffer holds 20: raise bufferFrames to at least 31",
  });
  assert.doesNotThrow(() => createSchedule([pose], { bufferFrames: 31 }));
});

test('with several too large, the message names the one needing the most', () => {
  const regs = [{ ...pose, name: 'small', frameCount: 3 }, pose, { ...pose, name: 'mid', frameCount: 2 }];
  rejects(regs, { bufferFrames: 5 }, 'bufferFrames', /^algorithm 'pose' needs a buffer of 31 frames .* at least 31$/);
  try {
    createSchedule(regs, { bufferFrames: 5 });
  } catch (err) {
    assert.deepEqual((err as FramepipeError).details, { option: 'bufferFrames', value: 5, algorithm: 'pose', needed: 31 });
  }
});

test('frameCount and frameStep must be integers ≥ 1', () => {
  for (const field of ['frameCount', 'frameStep'] as const) {
    for (const value of [0, -1, 1.5, Number.NaN, Infinity, '2' as unknown as number]) {
      const message = new RegExp(`^algorithm 'pose': ${field} must be an integer ≥ 1, got `);
      rejects([{ ...pose, [field]: value }], { bufferFrames: 1000 }, field, message);
    }
  }
});

test('intervalSeconds must be finite and > 0; fractions are fine', () => {
  for (const value of [0, -0.5, Infinity, Number.NaN, null as unknown as number]) {
    rejects([{ ...pose, intervalSeconds: value }], { bufferFrames: 1000 }, 'intervalSeconds',
      /^algorithm 'pose': intervalSeconds must be a finite number > 0 \(seconds\)/);
  }
  for (const value of [0.5, 1 / 3, 1e-3, 3600]) {
    assert.doesNotThrow(() => createSchedule([{ ...pose, intervalSeconds: value }], { bufferFrames: 31 }));
  }
});

test('names must be non-empty and unique', () => {
  rejects([{ ...pose, name: '' }], { bufferFrames: 1000 }, 'name', /registrations\[0\]\.name must be a non-empty string/);
  rejects([pose, { ...pose, frameCount: 1 }], { bufferFrames: 1000 }, 'name', /algorithm name 'pose' is registered twice/);
  rejects([], { bufferFrames: 1000 }, 'registrations', /at least one algorithm/);
  rejects([null as unknown as Registration], { bufferFrames: 1000 }, 'registrations[0]', /must be an object/);
});

test('bufferFrames and startSeconds', () => {
  for (const value of [0, 2.5, -3, Number.NaN]) {
    rejects([pose], { bufferFrames: value }, 'bufferFrames', /^bufferFrames must be an integer ≥ 1/);
  }
  for (const value of [-1, Infinity, Number.NaN]) {
    rejects([pose], { bufferFrames: 40, startSeconds: value }, 'startSeconds', /^startSeconds must be a finite number ≥ 0/);
  }
  assert.doesNotThrow(() => createSchedule([pose], { bufferFrames: 40, startSeconds: 12.345 }));
});

test('registrations are copied: later changes by the caller do not affect the schedule', () => {
  const mine = { ...pose, intervalSeconds: 2 };
  const schedule = createSchedule([mine], { bufferFrames: 31 });
  mine.intervalSeconds = 0.001;
  assert.equal(schedule.registrations[0]?.intervalSeconds, 2);
  assert.ok(Object.isFrozen(schedule.registrations[0]));
});
