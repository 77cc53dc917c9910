/**
 * Assertions shared by the tests.
 */
import assert from 'node:assert/strict';
import type { FramepipeError } from '../../src/index.ts';

/** Runs `fn` and returns the FramepipeError it throws (failing when it does not throw one). */
export async function failure(fn: () => Promise<unknown>): Promise<FramepipeError> {
  try {
    await fn();
  } catch (err) {
    assert.equal((err as Error).name, 'FramepipeError', `expected a FramepipeError, got ${String(err)}`);
    return err as FramepipeError;
  }
  assert.fail('expected a FramepipeError, but nothing was thrown');
}
