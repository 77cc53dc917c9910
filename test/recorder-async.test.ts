/**
 * The worker-thread recorder (src/decode/async-recorder.ts) against ffprobe and the ffmpeg CLI: what it
 * writes, how its queue bounds and refuses frames, how it fails, and that frames whose pixels cannot simply
 * be transferred (views, shared or untransferable buffers) are recorded all the same.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { markAsUntransferable } from 'node:worker_threads';
import { openAsyncRecorder } from '../src/decode/async-recorder.ts';
import { failure } from './helpers/assertions.ts';
import { ffmpegRawFrames, probeFrames, probeStream } from './helpers/ffmpeg.ts';

const W = 160;
const H = 120;
const BYTES = W * H * 3;

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-recorder-async-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A frame of one colour, with a moving bright bar so consecutive frames differ. */
function frameOf(n: number, colour: readonly [number, number, number] = [40, 90, 160]): Uint8Array {
  const data = new Uint8Array(BYTES);
  for (let i = 0; i < BYTES; i += 3) data.set(colour, i);
  const bar = (n * 4) % W;
  for (let y = 0; y < H; y++) data.fill(250, (y * W + bar) * 3, (y * W + bar + 2) * 3);
  return data;
}

/** Mean of each channel over the frame's left half (away from the moving bar when it is on the right). */
function meanColour(rgb: Uint8Array, width: number, height: number): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width / 4; x++) {
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] as number) + (rgb[(y * width + x) * 3 + c] as number);
      n++;
    }
  }
  return sum.map((s) => s / n);
}

describe('offline recording with write()', () => {
  it('writes N frames as H.264 with the size, count and duration asked for, never more than maxQueuedFrames in flight', async () => {
    const path = join(dir, 'offline.mp4');
    const recorder = await openAsyncRecorder({ path, width: W, height: H, fps: 20, outputWidth: 240, outputHeight: 180, maxQueuedFrames: 3 });
    assert.deepEqual(recorder.outputSize, { width: 240, height: 180 });
    let mostQueued = 0;
    for (let n = 0; n < 40; n++) {
      await recorder.write({ data: frameOf(n), ptsSeconds: 5 + n / 20 });
      mostQueued = Math.max(mostQueued, recorder.framesQueued);
    }
    assert.ok(mostQueued <= 3, `at most 3 frames in flight, saw ${mostQueued}`);
    const summary = await recorder.close();
    assert.deepEqual(summary, { path, width: 240, height: 180, framesWritten: 40, framesDropped: 0, framesRejected: 0 });
    const s = await probeStream(path);
    assert.equal(s.codecName, 'h264');
    assert.equal(s.pixFmt, 'yuv420p');
    assert.equal(s.width, 240);
    assert.equal(s.height, 180);
    assert.equal(s.nbFrames, 40);
    assert.ok(Math.abs((s.durationSeconds ?? 0) - 2) < 0.01, `duration ${s.durationSeconds}`);
    const frames = await probeFrames(path);
    frames.forEach((f, i) => assert.ok(Math.abs(f.ptsSeconds - i / 20) < 0.001, `frame ${i} at ${f.ptsSeconds}`));
  });

  it('takes ownership of a whole buffer by moving it: the caller\'s view is detached at the call', async () => {
    const recorder = await openAsyncRecorder({ path: join(dir, 'moved.mp4'), width: W, height: H, fps: 10 });
    const data = frameOf(0);
    const pending = recorder.write({ data });
    assert.equal(data.byteLength, 0, 'detached');
    await pending;
    assert.equal((await recorder.close()).framesWritten, 1);
  });

  it('counts frames whose timestamp does not advance as dropped', async () => {
    const recorder = await openAsyncRecorder({ path: join(dir, 'dropped.mp4'), width: W, height: H, fps: 10 });
    for (const t of [0, 0.1, 0.1, 0.05, 0.2]) await recorder.write({ data: frameOf(1), ptsSeconds: t });
    const summary = await recorder.close();
    assert.equal(summary.framesWritten, 3);
    assert.equal(summary.framesDropped, 2);
  });

  it('rejects frames of the wrong size or type and bad timestamps with ERR_INVALID_OPTIONS, and keeps recording', async () => {
    const recorder = await openAsyncRecorder({ path: join(dir, 'bad-frames.mp4'), width: W, height: H, fps: 10 });
    for (const frame of [{ data: new Uint8Array(BYTES - 3) }, { data: new Float32Array(BYTES) }, { data: frameOf(0), ptsSeconds: Number.NaN }]) {
      assert.equal((await failure(() => recorder.write(frame))).code, 'ERR_INVALID_OPTIONS');
      assert.equal((await failure(async () => recorder.offer(frame))).code, 'ERR_INVALID_OPTIONS');
    }
    await recorder.write({ data: frameOf(0) });
    assert.equal((await recorder.close()).framesWritten, 1);
  });
});

describe('realtime recording with offer()', () => {
  it('refuses frames while the queue is full, counts them, and leaves them to the caller', async () => {
    const path = join(dir, 'offer.mp4');
    const recorder = await openAsyncRecorder({ path, width: W, height: H, fps: 30, maxQueuedFrames: 2 });
    // No await in between: the worker's acknowledgements cannot arrive, so exactly two frames fit.
    const results: boolean[] = [];
    const refused: Uint8Array[] = [];
    for (let n = 0; n < 12; n++) {
      const data = frameOf(n);
      const taken = recorder.offer({ data, ptsSeconds: n / 30 });
      results.push(taken);
      if (!taken) refused.push(data);
    }
    assert.deepEqual(results, [true, true, ...Array(10).fill(false)]);
    assert.equal(recorder.framesRejected, 10);
    assert.ok(refused.every((d) => d.byteLength === BYTES), 'refused frames stay with the caller');
    // Once the worker has caught up there is room again.
    while (recorder.framesQueued > 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(recorder.offer({ data: frameOf(12), ptsSeconds: 12 / 30 }), true);
    const summary = await recorder.close();
    assert.equal(summary.framesWritten, 3);
    assert.equal(summary.framesRejected, 10);
    assert.equal((await probeStream(path)).nbFrames, 3);
  });
});

describe('opening', () => {
  it('rejects an unwritable path with ERR_SINK_WRITE, as createRecorder throws', async () => {
    const err = await failure(() => openAsyncRecorder({ path: join(dir, 'no-such-folder', 'x.mp4'), width: W, height: H, fps: 30 }));
    assert.equal(err.code, 'ERR_SINK_WRITE');
    assert.match(err.message, /no-such-folder/);
  });

  it('rejects bad options with ERR_INVALID_OPTIONS', async () => {
    assert.equal((await failure(() => openAsyncRecorder({ path: join(dir, 'bad.mp4'), width: 0, height: H, fps: 30 }))).code, 'ERR_INVALID_OPTIONS');
    assert.equal((await failure(() => openAsyncRecorder({ path: join(dir, 'bad.mp4'), width: W, height: H, fps: 30, crf: 99 }))).code, 'ERR_INVALID_OPTIONS');
    assert.equal((await failure(() => openAsyncRecorder({ path: join(dir, 'bad.mp4'), width: W, height: H, fps: 30, maxQueuedFrames: 0 }))).code, 'ERR_INVALID_OPTIONS');
  });
});

describe('closing and aborting', () => {
  it('close is idempotent and later writes and offers fail with ERR_CLOSED', async () => {
    const recorder = await openAsyncRecorder({ path: join(dir, 'twice.mp4'), width: W, height: H, fps: 10 });
    await recorder.write({ data: frameOf(0) });
    const [a, b] = await Promise.all([recorder.close(), recorder.close()]);
    assert.deepEqual(a, b);
    assert.deepEqual(await recorder.close(), a);
    assert.equal((await failure(() => recorder.write({ data: frameOf(1) }))).code, 'ERR_CLOSED');
    assert.equal((await failure(async () => recorder.offer({ data: frameOf(1) }))).code, 'ERR_CLOSED');
    await recorder.abort();
  });

  it('close waits for writes still waiting for room and records them', async () => {
    const path = join(dir, 'drain.mp4');
    const recorder = await openAsyncRecorder({ path, width: W, height: H, fps: 10, maxQueuedFrames: 2 });
    const writes = Array.from({ length: 10 }, (_, n) => recorder.write({ data: frameOf(n), ptsSeconds: n / 10 }));
    assert.equal(recorder.framesQueued, 10);
    const summary = await recorder.close();
    await Promise.all(writes);
    assert.equal(summary.framesWritten, 10);
    assert.equal((await probeStream(path)).nbFrames, 10);
  });

  it('abort discards waiting frames (their writes reject with ERR_ABORTED) and leaves a playable file of what was encoded', async () => {
    const path = join(dir, 'aborted.mp4');
    const recorder = await openAsyncRecorder({ path, width: W, height: H, fps: 10, maxQueuedFrames: 4 });
    const writes = Array.from({ length: 30 }, (_, n) => recorder.write({ data: frameOf(n), ptsSeconds: n / 10 }));
    const settled = Promise.allSettled(writes);
    await recorder.abort();
    await recorder.abort();
    const outcomes = await settled;
    const aborted = outcomes.filter((o) => o.status === 'rejected');
    assert.ok(aborted.length >= 26, `${aborted.length} waiting writes rejected`);
    for (const o of aborted) assert.equal((o as PromiseRejectedResult).reason.code, 'ERR_ABORTED');
    const summary = await recorder.close();
    assert.ok(summary.framesWritten <= 4, `${summary.framesWritten} frames encoded`);
    assert.ok((await stat(path)).size > 0);
    if (summary.framesWritten > 0) assert.equal((await probeStream(path)).nbFrames, summary.framesWritten);
    assert.equal((await failure(() => recorder.write({ data: frameOf(0) }))).code, 'ERR_CLOSED');
  });

  it('await using closes the recording', async () => {
    const path = join(dir, 'using.mp4');
    {
      await using recorder = await openAsyncRecorder({ path, width: W, height: H, fps: 10 });
      await recorder.write({ data: frameOf(0) });
    }
    assert.equal((await probeStream(path)).nbFrames, 1);
  });
});

describe('frames whose buffer cannot simply be transferred', () => {
  it('records views on a larger buffer, shared memory and untransferable buffers by copying, leaving them intact', async () => {
    const path = join(dir, 'views.mp4');
    const recorder = await openAsyncRecorder({ path, width: W, height: H, fps: 10 });
    const red = frameOf(0, [200, 30, 30]);
    const green = frameOf(0, [30, 200, 30]);
    const blue = frameOf(0, [30, 30, 200]);
    const grey = frameOf(0, [128, 128, 128]);
    const pair = new Uint8Array(2 * BYTES);
    pair.set(red, 0);
    pair.set(green, BYTES);
    const shared = new Uint8Array(new SharedArrayBuffer(BYTES));
    shared.set(blue);
    const pinned = new Uint8Array(BYTES);
    pinned.set(grey);
    markAsUntransferable(pinned.buffer);
    await recorder.write({ data: pair.subarray(0, BYTES), ptsSeconds: 0 });
    assert.equal(recorder.offer({ data: pair.subarray(BYTES), ptsSeconds: 0.1 }), true);
    await recorder.write({ data: shared, ptsSeconds: 0.2 });
    await recorder.write({ data: pinned, ptsSeconds: 0.3 });
    assert.equal(pair.byteLength, 2 * BYTES, 'the larger buffer is not detached');
    assert.equal(shared.byteLength, BYTES);
    assert.equal(pinned.byteLength, BYTES);
    assert.equal((await recorder.close()).framesWritten, 4);
    const decoded = await ffmpegRawFrames(path);
    assert.equal(decoded.length, 4);
    const expected = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [128, 128, 128]];
    decoded.forEach((rgb, i) => {
      const got = meanColour(rgb, W, H);
      got.forEach((v, c) => assert.ok(Math.abs(v - (expected[i]?.[c] as number)) < 12, `frame ${i} channel ${c}: ${v}`));
    });
  });
});

/**
 * A child process with a 200 KiB file-size limit (SIGXFSZ ignored, so writes fail with EFBIG): the file
 * fills up in the middle of the recording, as on a full disk.
 */
const FULL_DISK_CHILD = `
process.on('SIGXFSZ', () => {});
const { openAsyncRecorder } = await import(process.argv[1]);
const [path] = process.argv.slice(2);
const W = 320, H = 240, out = { writes: 0 };
const noise = (n) => { const d = new Uint8Array(W * H * 3); let x = n * 7919 + 1; for (let i = 0; i < d.length; i++) { x = (x * 1103515245 + 12345) & 0x7fffffff; d[i] = x >>> 16; } return d; };
const recorder = await openAsyncRecorder({ path, width: W, height: H, fps: 30, maxQueuedFrames: 4 });
try { for (let n = 0; n < 1000; n++) { await recorder.write({ data: noise(n), ptsSeconds: n / 30 }); out.writes++; } } catch (e) { out.write = e.code; }
try { recorder.offer({ data: noise(0) }); } catch (e) { out.offer = e.code; }
try { await recorder.close(); } catch (e) { out.close = e.code; }
try { await recorder.close(); } catch (e) { out.closeAgain = e.code; }
await recorder.abort();
console.log(JSON.stringify(out));
`;

describe('a failure in the worker', () => {
  it('surfaces as ERR_SINK_WRITE on the next write, offer and close, never as a crash', async () => {
    const module = new URL('../src/decode/async-recorder.ts', import.meta.url).href;
    const stdout = await new Promise<string>((resolve, reject) => {
      const script = 'ulimit -f 200; exec "$0" -e "$1" "$2" "$3"';
      execFile('bash', ['-c', script, process.execPath, FULL_DISK_CHILD, module, join(dir, 'full.mp4')], { timeout: 60_000 }, (err, out, errOut) =>
        err ? reject(new Error(`child failed: ${err.message}\n${errOut}`)) : resolve(out),
      );
    });
    const out = JSON.parse(stdout.trim()) as Record<string, unknown>;
    assert.ok((out.writes as number) > 0 && (out.writes as number) < 1000, `failed after ${out.writes} writes`);
    assert.deepEqual({ ...out, writes: 0 }, { writes: 0, write: 'ERR_SINK_WRITE', offer: 'ERR_SINK_WRITE', close: 'ERR_SINK_WRITE', closeAgain: 'ERR_SINK_WRITE' });
  });
});
