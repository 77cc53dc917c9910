/**
 * Options, budgets, cancellation and disposal: bad input is refused with a clear code before work starts,
 * and nothing keeps running after a consumer stops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FramepipeError, openVideo } from '../src/index.ts';
import { fixture } from './helpers/media.ts';

async function rejectsWith(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<FramepipeError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof FramepipeError, `expected FramepipeError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}`);
}

async function drain(iterable: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of iterable) n++;
  return n;
}

describe('options are validated before work starts', () => {
  it('rejects unknown and out-of-range options naming them', async () => {
    const path = await fixture('h264-bframes.mp4');
    await rejectsWith(openVideo(path, { sampling: { every: 0 } }), 'ERR_INVALID_OPTIONS', /every/);
    await rejectsWith(openVideo(path, { sampling: { every: 2, fps: 1 } }), 'ERR_INVALID_OPTIONS');
    await rejectsWith(openVideo(path, { output: { fit: 'squash' as never } }), 'ERR_INVALID_OPTIONS', /fit/);
    await rejectsWith(openVideo(path, { decode: { threads: -1 } }), 'ERR_INVALID_OPTIONS', /threads/);
    await rejectsWith(openVideo(path, { bogus: 1 } as never), 'ERR_INVALID_OPTIONS', /bogus/);
  });

  it('rejects an output size or crop that cannot work', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'));
    await rejectsWith(drain(video.frames({ output: { width: 0, height: 10 } })), 'ERR_INVALID_OPTIONS', /output.width/);
    await rejectsWith(drain(video.frames({ output: { crop: { x: 300, y: 0, width: 100, height: 10 } } })), 'ERR_INVALID_OPTIONS', /crop/);
    await rejectsWith(drain(video.frames({ output: { mean: [0.5] } })), 'ERR_INVALID_OPTIONS', /float32/);
    await rejectsWith(drain(video.batches(0)), 'ERR_INVALID_OPTIONS', /batches/);
  });
});

describe('budgets', () => {
  it('refuses a frame size above maxPixelsPerFrame before decoding', async () => {
    const err = await rejectsWith(openVideo(await fixture('h264-bframes.mp4'), { budget: { maxPixelsPerFrame: 320 * 200 } }), 'ERR_BUDGET_EXCEEDED', /maxPixelsPerFrame/);
    assert.equal(err.details.limit, 'maxPixelsPerFrame');
  });

  it('refuses a duration above maxDurationSeconds', async () => {
    await rejectsWith(openVideo(await fixture('h264-bframes.mp4'), { budget: { maxDurationSeconds: 1 } }), 'ERR_BUDGET_EXCEEDED', /maxDurationSeconds/);
  });

  it('stops after maxDecodedFrames and says so in the manifest', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'), { budget: { maxDecodedFrames: 20 }, output: { width: 8, height: 8 } });
    let delivered = 0;
    await rejectsWith(
      (async () => {
        for await (const _ of video.frames()) delivered++;
      })(),
      'ERR_BUDGET_EXCEEDED',
    );
    assert.ok(delivered > 0 && delivered <= 20, `delivered ${delivered}`);
    assert.equal(video.manifest?.endedBy, 'ERR_BUDGET_EXCEEDED');
  });
});

describe('cancellation and disposal', () => {
  it('break stops the run; the video can run again and then close', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'), { output: { width: 8, height: 8 } });
    for await (const f of video.frames()) if (f.index === 5) break;
    assert.ok(video.manifest, 'the cancelled run still has a manifest');
    assert.equal(await drain(video.frames()), 90);
    await video.close();
    await video.close();
    await rejectsWith(drain(video.frames()), 'ERR_CLOSED');
  });

  it('an AbortSignal aborts a run in progress', async () => {
    const controller = new AbortController();
    await using video = await openVideo(await fixture('h264-bframes.mp4'), { signal: controller.signal, output: { width: 8, height: 8 } });
    let seen = 0;
    await rejectsWith(
      (async () => {
        for await (const _ of video.frames()) if (++seen === 3) controller.abort();
      })(),
      'ERR_ABORTED',
    );
    assert.equal(seen, 3);
  });

  it('an already aborted signal refuses to open', async () => {
    await rejectsWith(openVideo(await fixture('h264-bframes.mp4'), { signal: AbortSignal.abort() }), 'ERR_ABORTED');
  });

  it('only one run at a time per video', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'), { output: { width: 8, height: 8 } });
    const first = video.frames()[Symbol.asyncIterator]();
    await first.next();
    await rejectsWith(drain(video.frames()), 'ERR_INVALID_OPTIONS', /already in progress/);
    await first.return?.();
  });

  it('a slow consumer keeps memory bounded: the decoder waits for it', async () => {
    await using video = await openVideo(await fixture('h264-bframes.mp4'));
    const it = video.frames()[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 300));
    // Without backpressure the worker would have decoded all 90 frames by now.
    await it.return?.();
    assert.ok(video.stats, 'stats of the cancelled run');
    assert.ok(video.stats.framesDelivered <= 5, `worker ran ahead: ${video.stats.framesDelivered}`);
  });

  it('hardware decoding falls back to software with a warning, or fails when required', async () => {
    const path = await fixture('h264-bframes.mp4');
    const warnings: string[] = [];
    await using video = await openVideo(path, { decode: { hardware: 'vaapi' }, sampling: { count: 2 }, onWarning: (w) => warnings.push(w.code) });
    assert.equal(await drain(video.frames()), 2);
    assert.ok(warnings.includes('hwaccel-fallback') || video.stats?.hardwareDecoding === 'vaapi');
    if (video.stats?.hardwareDecoding === null) {
      await using strict = await openVideo(path, { decode: { hardware: 'vaapi', requireHardware: true } });
      await rejectsWith(drain(strict.frames()), 'ERR_HWACCEL_UNAVAILABLE');
    }
  });
});
