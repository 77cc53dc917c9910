/**
 * The whole engine (`openVideo` → source layer → loopback proxy → FFmpeg in the decode worker) against
 * real HTTP origins on 127.0.0.1 with switchable misbehaviour. Delivered frames are compared with
 * FFmpeg's own per-frame listing of the same file; failures are checked by their error `code`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type FramepipeError, type OpenVideoOptions, openVideo, type SamplingOptions, type VideoWarning } from '../src/index.ts';
import { type ProbedFrame, probeFrames, runFfmpeg } from './helpers/ffmpeg.ts';
import { fixture, makeMedia } from './helpers/media.ts';
import { startTestServer } from './helpers/http-server.ts';
import { failure } from './helpers/assertions.ts';

interface Got {
  index: number;
  ptsSeconds: number;
}

/** Small frames: these tests are about which frames arrive, not their pixels. */
const OUTPUT = { width: 32, height: 24 } as const;
/** Fast failure for tests that expect one; each test still sets what it relies on. */
const QUICK_RETRY = { retries: 1, baseDelayMs: 20, maxDelayMs: 40 } as const;

/** Opens `url`, reads every delivered frame, and returns them with the warnings, manifest and stats. */
async function readAll(url: string, options: OpenVideoOptions = {}) {
  const warnings: VideoWarning[] = [];
  await using video = await openVideo(url, {
    output: OUTPUT,
    ...options,
    onWarning: (w) => {
      warnings.push(w);
      options.onWarning?.(w);
    },
  });
  const frames: Got[] = [];
  for await (const f of video.frames()) frames.push({ index: f.index, ptsSeconds: f.ptsSeconds });
  return { frames, warnings, manifest: video.manifest, stats: video.stats, info: video.info };
}


/** Every frame of the listing, in order, with its pts (1e-4 s tolerance, as the format tests use). */
function assertSameFrames(got: Got[], expected: ProbedFrame[], ptsShift = 0): void {
  assert.deepEqual(
    got.map((f) => f.index),
    expected.map((f) => f.index),
    'delivered indices',
  );
  for (const [i, f] of got.entries()) {
    const ref = expected[i] as ProbedFrame;
    assert.ok(
      Math.abs(f.ptsSeconds - ptsShift - ref.ptsSeconds) < 1e-4,
      `pts of frame ${i}: ${f.ptsSeconds} - ${ptsShift} vs ${ref.ptsSeconds}`,
    );
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * 60 s of noisy 320x240 at 30 fps CFR, GOP 30 (about 60 MB; the noise keeps x264 from compressing it
 * away), moov at the end. It must be large: every open-ended Range request FFmpeg makes lets the proxy pull
 * a few MB ahead into loopback socket buffers before FFmpeg seeks away, so on a small clip even a sparse
 * plan reads about the whole file (measured: 2.4 MB read for a 0.65 MB clip, 13–17 MB for this one).
 */
const longClip = () =>
  makeMedia('cfr-60s-320-noise.mp4', [
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '60', '-vf', 'noise=alls=30:allf=t'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-pix_fmt', 'yuv420p'],
  ]);

describe('HTTP with Range', () => {
  it('an MP4 with its index at the end: every frame matches ffprobe', async () => {
    const path = await fixture('h264-bframes.mp4');
    await using server = await startTestServer({ body: path });
    const [expected, run] = await Promise.all([probeFrames(path), readAll(server.url('/clip.mp4'))]);
    assertSameFrames(run.frames, expected);
    assert.equal(run.manifest?.delivered, expected.length);
    assert.deepEqual(run.manifest?.skipped, {});
    assert.ok(
      server.stats.ranges.some((r) => r !== null && r !== 'bytes=0-65535'),
      'FFmpeg itself used Range requests',
    );
    assert.ok(!run.warnings.some((w) => w.code === 'download-fallback'), 'streamed, not downloaded');
    const size = (await readFile(path)).byteLength;
    assert.ok(run.stats && run.stats.bytesRead >= size * 0.9, `bytesRead ${run.stats?.bytesRead} of ${size}`);
  });

  it('a sparse plan on a long clip seeks and reads well under the file size', async () => {
    const path = await longClip();
    const size = (await readFile(path)).byteLength;
    await using server = await startTestServer({ body: path });
    const [expected, run] = await Promise.all([probeFrames(path), readAll(server.url('/long.mp4'), { sampling: { count: 3 } })]);
    const last = expected.length - 1;
    assert.deepEqual(
      run.frames.map((f) => f.index),
      [0, Math.round(last / 2), last],
    );
    for (const f of run.frames) assert.ok(Math.abs(f.ptsSeconds - (expected[f.index] as ProbedFrame).ptsSeconds) < 1e-4);
    assert.ok(run.stats && run.stats.seeks > 0, `seeks: ${run.stats?.seeks}`);
    // FFmpeg jumped over the middle of the file with a Range request (the moov read near the end aside).
    const starts = server.stats.ranges.map((r) => Number(/^bytes=(\d+)-/.exec(r ?? '')?.[1] ?? 0));
    assert.ok(
      starts.some((s) => s > size * 0.4 && s < size * 0.6),
      `ranges ${JSON.stringify(server.stats.ranges)}`,
    );
    // What the proxy pulled from the origin. (The origin's own bytesSent cannot tell: the test server counts
    // a whole requested range as sent as soon as it writes it, and FFmpeg's first request is `bytes=0-`.)
    assert.ok(
      run.stats && run.stats.bytesRead < size * 0.5,
      `bytesRead ${run.stats?.bytesRead} of ${size}, ranges ${JSON.stringify(server.stats.ranges)}`,
    );
  });

  it('custom headers reach the origin; without them the origin answers 401', async () => {
    const path = await fixture('h264-faststart.mp4');
    const headersRequired = { authorization: 'Bearer t0ken', 'x-tenant': 'acme' };
    await using server = await startTestServer({ body: path, headersRequired });
    const run = await readAll(server.url('/clip.mp4'), { source: { headers: { Authorization: 'Bearer t0ken', 'X-Tenant': 'acme' } } });
    assert.equal(run.frames.length, 90);
    assert.ok(server.stats.log.length >= 2);
    for (const r of server.stats.log) assert.equal(r.headers.authorization, 'Bearer t0ken', `request ${r.range}`);
    server.resetStats();
    const err = await failure(() => readAll(server.url('/clip.mp4'), { source: { retry: QUICK_RETRY } }));
    assert.equal(err.code, 'ERR_HTTP_STATUS');
    assert.equal(err.details.status, 401);
    assert.equal(server.stats.requests, 1, '401 is not retried');
  });
});

describe('HTTP without Range', () => {
  it('an MP4 with its index at the end is downloaded first and still delivers every frame', async () => {
    const path = await fixture('h264-bframes.mp4');
    await using server = await startTestServer({ body: path, range: false });
    const [expected, run] = await Promise.all([probeFrames(path), readAll(server.url('/clip.mp4'))]);
    assert.ok(
      run.warnings.some((w) => w.code === 'download-fallback'),
      `warnings: ${run.warnings.map((w) => w.code)}`,
    );
    assertSameFrames(run.frames, expected);
    assert.equal(run.info.seekable, true, 'the downloaded copy is a local, seekable file');
  });

  it('a faststart MP4 is streamed front to back (no download) and delivers every frame', async () => {
    const path = await fixture('h264-faststart.mp4');
    await using server = await startTestServer({ body: path, range: false });
    const [expected, run] = await Promise.all([probeFrames(path), readAll(server.url('/clip.mp4'))]);
    assert.ok(!run.warnings.some((w) => w.code === 'download-fallback'), `warnings: ${run.warnings.map((w) => w.code)}`);
    assert.equal(run.info.seekable, false);
    assertSameFrames(run.frames, expected);
  });
});

describe('HTTP failures', () => {
  it('404 → ERR_HTTP_STATUS with details.status 404, after a single request', async () => {
    await using server = await startTestServer({ status: 404 });
    const err = await failure(() => readAll(server.url('/missing.mp4'), { source: { retry: QUICK_RETRY } }));
    assert.equal(err.code, 'ERR_HTTP_STATUS');
    assert.equal(err.details.status, 404);
    assert.equal(server.stats.requests, 1);
  });

  it('500 on every request → ERR_HTTP_STATUS after the retries', async () => {
    await using server = await startTestServer({ status: 500 });
    const err = await failure(() => readAll(server.url('/v.mp4'), { source: { retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 20 } } }));
    assert.equal(err.code, 'ERR_HTTP_STATUS');
    assert.equal(err.details.status, 500);
    assert.equal(server.stats.requests, 3, 'the first attempt and 2 retries');
  });

  it('two transient 503s then success → every frame, with retry warnings', async () => {
    const path = await fixture('h264-faststart.mp4');
    await using server = await startTestServer({ body: path, failFirst: 2 });
    const run = await readAll(server.url('/clip.mp4'), { source: { retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 40 } } });
    assert.equal(run.frames.length, 90);
    assert.equal(run.warnings.filter((w) => w.code === 'retry').length, 2);
  });

  it('a closed port → ERR_UNREACHABLE', async () => {
    const port = await closedPort();
    const err = await failure(() => readAll(`http://127.0.0.1:${port}/v.mp4`, { source: { timeoutMs: 500, retry: QUICK_RETRY } }));
    assert.equal(err.code, 'ERR_UNREACHABLE');
  });

  it('an origin that stalls mid-body for good → ERR_TIMEOUT within seconds, after the frames before the stall', async () => {
    const path = await fixture('h264-faststart.mp4');
    const size = (await readFile(path)).byteLength;
    // Spare the preflight; every later response that reaches 60% of the file goes silent for good.
    await using server = await startTestServer({
      body: path,
      stallAfterBytes: Math.floor(size * 0.6),
      stallMode: 'always',
      faultsAfterRequests: 1,
    });
    await using video = await openVideo(server.url('/clip.mp4'), {
      output: OUTPUT,
      source: { timeoutMs: 300, retry: { retries: 1, baseDelayMs: 20, maxDelayMs: 40 } },
    });
    const started = Date.now();
    const got: number[] = [];
    const err = await failure(async () => {
      for await (const f of video.frames()) got.push(f.index);
    });
    const elapsed = Date.now() - started;
    assert.equal(err.code, 'ERR_TIMEOUT', err.message);
    assert.ok(elapsed < 6000, `ended after ${elapsed} ms`);
    assert.ok(got.length > 0 && got.length < 90, `delivered ${got.length} frames before the stall`);
    assert.deepEqual(
      got,
      got.map((_, i) => i),
      'the frames before the stall, in order',
    );
  });

  it('a connection reset mid-body once → the proxy resumes and every frame arrives', async () => {
    const path = await fixture('h264-bframes.mp4');
    const size = (await readFile(path)).byteLength;
    await using server = await startTestServer({
      body: path,
      resetAfterBytes: Math.floor(size * 0.4),
      resetMode: 'once',
      faultsAfterRequests: 1,
    });
    const [expected, run] = await Promise.all([
      probeFrames(path),
      readAll(server.url('/clip.mp4'), { source: { timeoutMs: 2000, retry: QUICK_RETRY } }),
    ]);
    assertSameFrames(run.frames, expected);
    assert.ok(
      run.warnings.some((w) => w.code === 'retry'),
      `warnings: ${run.warnings.map((w) => w.code)}`,
    );
  });

  it('an origin that never answers → ERR_TIMEOUT after the retries, within a few timeouts', async () => {
    await using server = await startTestServer({ body: await fixture('h264-faststart.mp4'), delayHeadersMs: 30_000 });
    const started = Date.now();
    const err = await failure(() => readAll(server.url('/clip.mp4'), { source: { timeoutMs: 300, retry: QUICK_RETRY } }));
    assert.equal(err.code, 'ERR_TIMEOUT', err.message);
    assert.ok(Date.now() - started < 3000, `failed after ${Date.now() - started} ms`);
    assert.equal(server.stats.requests, 2, 'the first attempt and 1 retry');
  });

  it('a resource cut short on the origin → the frames before the cut, then ERR_TRUNCATED', async () => {
    const path = await fixture('truncated.mp4');
    const reference = await probeFrames(await fixture('h264-faststart.mp4'));
    await using server = await startTestServer({ body: path });
    await using video = await openVideo(server.url('/clip.mp4'), { output: OUTPUT });
    const got: Got[] = [];
    const err = await failure(async () => {
      for await (const f of video.frames()) got.push({ index: f.index, ptsSeconds: f.ptsSeconds });
    });
    assert.equal(err.code, 'ERR_TRUNCATED', err.message);
    assert.ok(got.length > 10 && got.length < reference.length, `delivered ${got.length}`);
    assertSameFrames(got, reference.slice(0, got.length));
    assert.equal(video.manifest?.endedBy, 'ERR_TRUNCATED');
  });

  it('an origin that keeps resetting the connection → ERR_UNREACHABLE after the retries', async () => {
    const path = await fixture('h264-faststart.mp4');
    const size = (await readFile(path)).byteLength;
    await using server = await startTestServer({
      body: path,
      resetAfterBytes: Math.floor(size * 0.6),
      resetMode: 'always',
      faultsAfterRequests: 1,
    });
    const err = await failure(() => readAll(server.url('/clip.mp4'), { source: { timeoutMs: 500, retry: QUICK_RETRY } }));
    assert.equal(err.code, 'ERR_UNREACHABLE', err.message);
  });

  // Known bug, reported; passes once fixed. Video.close() waits for the worker, which sits in a blocking
  // FFmpeg read until FFmpeg's rw_timeout (the proxy's whole retry cycle), before it closes the source that
  // would cut that read at once; and the pending iteration fails with ERR_INTERNAL.
  it(
    'close() while a read is stalled upstream returns promptly and ends the iteration with ERR_CLOSED',

    async () => {
      const path = await fixture('h264-faststart.mp4');
      const size = (await readFile(path)).byteLength;
      await using server = await startTestServer({
        body: path,
        stallAfterBytes: Math.floor(size * 0.6),
        stallMode: 'always',
        faultsAfterRequests: 1,
      });
      const video = await openVideo(server.url('/clip.mp4'), { output: OUTPUT, source: { timeoutMs: 4000, retry: { retries: 0 } } });
      const iteration = (async () => {
        for await (const _ of video.frames()) {
          // consume until the stall
        }
      })();
      iteration.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      await video.close();
      const took = Date.now() - started;
      const err = await failure(() => iteration);
      assert.ok(took < 1500, `close() took ${took} ms`);
      assert.ok(['ERR_CLOSED', 'ERR_ABORTED'].includes(err.code), `iteration ended with ${err.code}: ${err.message}`);
    },
  );

  it('budget.maxBytes smaller than the file → ERR_BUDGET_EXCEEDED', async () => {
    const path = await fixture('h264-bframes.mp4');
    const size = (await readFile(path)).byteLength;
    await using server = await startTestServer({ body: path });
    const err = await failure(() => readAll(server.url('/clip.mp4'), { budget: { maxBytes: Math.floor(size / 3) } }));
    assert.equal(err.code, 'ERR_BUDGET_EXCEEDED', err.message);
  });

  it('budget.maxBytes smaller than a file that must be downloaded → ERR_BUDGET_EXCEEDED before downloading', async () => {
    const path = await fixture('h264-bframes.mp4');
    const size = (await readFile(path)).byteLength;
    await using server = await startTestServer({ body: path, range: false });
    const err = await failure(() => readAll(server.url('/clip.mp4'), { budget: { maxBytes: Math.floor(size / 3) } }));
    assert.equal(err.code, 'ERR_BUDGET_EXCEEDED', err.message);
  });
});

describe('HLS', () => {
  let dir = '';
  let sourcePath = '';
  before(async () => {
    sourcePath = await fixture('h264-bframes.mp4');
    dir = await mkdtemp(join(tmpdir(), 'framepipe-hls-'));
    await runFfmpeg([
      '-i',
      sourcePath,
      '-c',
      'copy',
      '-f',
      'hls',
      '-hls_time',
      '1',
      '-hls_playlist_type',
      'vod',
      '-hls_segment_filename',
      join(dir, 'seg%03d.ts'),
      join(dir, 'index.m3u8'),
    ]);
    // A live-style copy: the same segments, no #EXT-X-ENDLIST and no VOD playlist type.
    const vod = await readFile(join(dir, 'index.m3u8'), 'utf8');
    const live = vod
      .split('\n')
      .filter((l) => l !== '#EXT-X-ENDLIST' && !l.startsWith('#EXT-X-PLAYLIST-TYPE'))
      .join('\n');
    await writeFile(join(dir, 'live.m3u8'), live);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a VOD playlist delivers every frame of the source, timestamps shifted by one constant', async () => {
    await using server = await startTestServer({ dir });
    const [expected, run] = await Promise.all([probeFrames(sourcePath), readAll(server.url('/index.m3u8'))]);
    assert.equal(run.info.isLive, false);
    assert.equal(run.frames.length, expected.length);
    // Remuxing into MPEG-TS shifts every timestamp by one constant: the TS muxer's 1.4 s start offset plus
    // the B-frame reordering delay (2 frames here), about 1.467 s in all. So absolute pts differ from the
    // MP4's while the spacing of every frame must not: compare relative to frame 0.
    const shift = (run.frames[0] as Got).ptsSeconds - (expected[0] as ProbedFrame).ptsSeconds;
    assert.ok(shift >= 0 && shift < 3, `start shift ${shift}`);
    assertSameFrames(run.frames, expected, shift);
    // And absolutely, against ffprobe's listing of the local playlist itself.
    assertSameFrames(run.frames, await probeFrames(join(dir, 'index.m3u8')));
    assert.ok(
      server.stats.log.some((r) => r.path.endsWith('.ts')),
      'segments fetched through the proxy',
    );
    assert.ok(run.stats && run.stats.bytesRead > 0);
  });

  // Known gap, reported; passes once fixed. FFmpeg's HLS demuxer skips a segment that answers 404; the proxy
  // records ERR_HTTP_STATUS in source.failure(), but a run that ends without an error never looks at it, so
  // a third of the frames vanish without an error or a warning.
  it(
    'a missing segment is reported (error or warning), not skipped silently',

    async () => {
      const holey = await mkdtemp(join(tmpdir(), 'framepipe-hls-holey-'));
      try {
        for (const name of ['index.m3u8', 'seg000.ts', 'seg002.ts']) await writeFile(join(holey, name), await readFile(join(dir, name)));
        await using server = await startTestServer({ dir: holey });
        let result: Awaited<ReturnType<typeof readAll>> | null = null;
        let error: FramepipeError | null = null;
        try {
          result = await readAll(server.url('/index.m3u8'), { source: { timeoutMs: 500, retry: QUICK_RETRY } });
        } catch (err) {
          error = err as FramepipeError;
        }
        if (error) assert.equal(error.code, 'ERR_HTTP_STATUS');
        else
          assert.ok(
            result?.warnings.some((w) => /404/.test(w.message)),
            `${result?.frames.length} frames, warnings ${JSON.stringify(result?.warnings)}`,
          );
      } finally {
        await rm(holey, { recursive: true, force: true });
      }
    },
  );

  it('no-index MP4 over HTTP → ERR_NO_INDEX, as for a local file', async () => {
    await using server = await startTestServer({ body: await fixture('no-index.mp4') });
    const err = await failure(() => readAll(server.url('/clip.mp4')));
    assert.equal(err.code, 'ERR_NO_INDEX', err.message);
  });

  it('a playlist without #EXT-X-ENDLIST is live', async () => {
    await using server = await startTestServer({ dir });
    await using video = await openVideo(server.url('/live.m3u8'), { output: OUTPUT, source: { timeoutMs: 1000 } });
    assert.equal(video.info.isLive, true);
    assert.equal(video.info.durationSeconds, null);
    const got: Got[] = [];
    for await (const f of video.frames({ sampling: { maxFrames: 5 } satisfies SamplingOptions }))
      got.push({ index: f.index, ptsSeconds: f.ptsSeconds });
    assert.deepEqual(
      got.map((f) => f.index),
      [0, 1, 2, 3, 4],
    );
    for (let i = 1; i < got.length; i++) assert.ok((got[i] as Got).ptsSeconds > (got[i - 1] as Got).ptsSeconds);
  });
});
