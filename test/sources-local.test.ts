/** Sources that need no remote server: files, data: URIs, bytes, Readable streams, live URLs, devices. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { isFramepipeError } from '../src/core/errors.ts';
import { registerResolver, resolveSource, type SourceResolver } from '../src/sources/index.ts';
import { activeRouteCount, isLoopbackListening } from '../src/sources/loopback.ts';
import { pseudoRandomBytes, syntheticMp4 } from './helpers/http-server.ts';

const code = (c: string) => (err: unknown) => isFramepipeError(err) && err.code === c;
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-sources-local-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file sources', () => {
  it('resolves absolute, relative and file:// inputs to the absolute path', async () => {
    const path = join(dir, 'a.mp4');
    await writeFile(path, syntheticMp4('front', 100));
    for (const input of [path, relative(process.cwd(), path), pathToFileURL(path), pathToFileURL(path).href]) {
      await using source = await resolveSource(input);
      assert.equal(source.url, path);
      assert.equal(source.kind, 'file');
      assert.equal(source.isLive, false);
      assert.equal(source.format, null);
      assert.equal(source.bytesRead(), 0);
      assert.equal(source.failure(), null);
      assert.equal(source.reconnect.enabled, false);
    }
  });
  it('reports a missing file with ERR_NOT_FOUND naming the path and, when relative, the cwd', async () => {
    await assert.rejects(resolveSource(join(dir, 'nope.mp4')), (err: unknown) => {
      assert.ok(isFramepipeError(err) && err.code === 'ERR_NOT_FOUND');
      assert.match(err.message, /nope\.mp4/);
      return true;
    });
    await assert.rejects(resolveSource('missing/clip.mp4'), (err: unknown) => {
      assert.ok(isFramepipeError(err) && err.code === 'ERR_NOT_FOUND');
      assert.ok(err.message.includes(process.cwd()), err.message);
      return true;
    });
  });
  it('reports an empty file with ERR_EMPTY_INPUT and a directory with ERR_NOT_A_VIDEO', async () => {
    const empty = join(dir, 'empty.mp4');
    await writeFile(empty, '');
    await assert.rejects(resolveSource(empty), code('ERR_EMPTY_INPUT'));
    await mkdir(join(dir, 'folder.mp4'));
    await assert.rejects(resolveSource(join(dir, 'folder.mp4')), code('ERR_NOT_A_VIDEO'));
  });
  it('applies the user format and ffmpegOptions last', async () => {
    const path = join(dir, 'raw.ts');
    await writeFile(path, Buffer.alloc(188, 0x47));
    await using source = await resolveSource(path, { format: 'mpegts', ffmpegOptions: { probesize: '32' } });
    assert.equal(source.format, 'mpegts');
    assert.deepEqual(source.ffmpegOptions, { probesize: '32' });
  });
});

/** Reads a loopback URL with an optional Range header. */
async function get(url: string, range?: string) {
  const res = await fetch(url, range ? { headers: { range } } : {});
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('in-memory sources', () => {
  const bytes = pseudoRandomBytes(10_000, 3);
  it('serves bytes with full Range support and stops serving on close', async () => {
    const source = await resolveSource(new Uint8Array(bytes));
    assert.equal(source.kind, 'memory');
    assert.match(source.url, /^http:\/\/127\.0\.0\.1:\d+\/m\/[0-9a-f]{16}\//);
    const full = await get(source.url);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(full.body, bytes);
    const mid = await get(source.url, 'bytes=100-199');
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), 'bytes 100-199/10000');
    assert.deepEqual(mid.body, bytes.subarray(100, 200));
    const tail = await get(source.url, 'bytes=-10');
    assert.deepEqual(tail.body, bytes.subarray(9990));
    assert.equal((await get(source.url, 'bytes=10000-')).status, 416);
    const head = await fetch(source.url, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), '10000');
    await source.close();
    await source.close();
    assert.equal(activeRouteCount(), 0);
    assert.equal(isLoopbackListening(), false, 'the loopback server closes with its last route');
  });
  it('accepts ArrayBuffer and Buffer, and refuses empty bytes', async () => {
    await using a = await resolveSource(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    assert.deepEqual((await get(a.url)).body, bytes);
    await using b = await resolveSource(bytes.subarray(5, 15));
    assert.deepEqual((await get(b.url)).body, bytes.subarray(5, 15));
    await assert.rejects(resolveSource(new Uint8Array(0)), code('ERR_EMPTY_INPUT'));
  });
  it('serves base64 and percent-encoded data: URIs', async () => {
    await using a = await resolveSource(`data:video/mp4;base64,${bytes.toString('base64')}`);
    assert.equal(a.kind, 'memory');
    assert.deepEqual((await get(a.url)).body, bytes);
    assert.deepEqual((await get(a.url, 'bytes=9000-')).body, bytes.subarray(9000));
    assert.equal(a.displayName, 'data:video/mp4 (10000 bytes)');
    await using b = await resolveSource('data:application/octet-stream,%00%FFabc');
    assert.deepEqual((await get(b.url)).body, Buffer.from([0, 255, 97, 98, 99]));
  });
  it('refuses malformed and oversized data: URIs', async () => {
    await assert.rejects(resolveSource('data:video/mp4;base64'), code('ERR_INVALID_OPTIONS'));
    await assert.rejects(resolveSource('data:video/mp4;base64,@@@@'), code('ERR_INVALID_OPTIONS'));
    await assert.rejects(resolveSource('data:video/mp4;base64,'), code('ERR_EMPTY_INPUT'));
    await assert.rejects(resolveSource(`data:video/mp4;base64,${'A'.repeat(4000)}`, { maxDataUriBytes: 1000 }), (err: unknown) => {
      assert.ok(isFramepipeError(err) && err.code === 'ERR_BUDGET_EXCEEDED');
      assert.match(err.message, /3000 bytes.*maxDataUriBytes \(1000 bytes\)/);
      return true;
    });
  });
});

describe('Readable sources', () => {
  const bytes = pseudoRandomBytes(300_000, 9);
  it('spools the stream to the cache directory atomically and deletes it on close', async () => {
    const cacheDir = join(dir, 'spool');
    const source = await resolveSource(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), { cacheDir });
    assert.equal(source.kind, 'stream');
    assert.ok(source.url.startsWith(cacheDir));
    assert.deepEqual(await readFile(source.url), bytes);
    assert.deepEqual((await readdir(cacheDir)).filter((n) => n.endsWith('.tmp')), []);
    await source[Symbol.asyncDispose]();
    assert.deepEqual(await readdir(cacheDir), []);
  });
  it('enforces maxBytes and leaves no temporary file', async () => {
    const cacheDir = join(dir, 'spool-budget');
    await assert.rejects(resolveSource(Readable.from([bytes]), { cacheDir, maxBytes: 1000 }), code('ERR_BUDGET_EXCEEDED'));
    assert.deepEqual(await readdir(cacheDir), []);
  });
  it('reports an empty stream, a silent stream and a failing stream', async () => {
    const cacheDir = join(dir, 'spool-errors');
    await assert.rejects(resolveSource(Readable.from([]), { cacheDir }), code('ERR_EMPTY_INPUT'));
    const silent = new Readable({ read() {} });
    silent.push(Buffer.from('abc'));
    const started = Date.now();
    await assert.rejects(resolveSource(silent, { cacheDir, timeoutMs: 200 }), code('ERR_TIMEOUT'));
    assert.ok(Date.now() - started < 2000);
    const failing = new Readable({ read() { this.destroy(new Error('disk on fire')); } });
    await assert.rejects(resolveSource(failing, { cacheDir }), /disk on fire/);
    assert.deepEqual(await readdir(cacheDir), []);
  });
  it('stops on abort with ERR_ABORTED and removes the temporary file', async () => {
    const cacheDir = join(dir, 'spool-abort');
    const controller = new AbortController();
    const slow = new Readable({ read() {} });
    slow.push(bytes.subarray(0, 1000));
    const pending = resolveSource(slow, { cacheDir, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await readdir(cacheDir)).filter((n) => n.endsWith('.tmp')).length, 1);
    controller.abort();
    await assert.rejects(pending, code('ERR_ABORTED'));
    assert.equal(slow.destroyed, true);
    assert.deepEqual(await readdir(cacheDir), []);
  });
});

describe('live and device sources', () => {
  it('passes live URLs through with timeouts per protocol and a filled reconnect policy', async () => {
    const cases: [string, Record<string, string>][] = [
      ['rtsp://user:pw@cam.local:554/stream?x=1', { timeout: '2000000', rtsp_transport: 'tcp' }],
      ['rtmp://live.example/app/key', { rw_timeout: '2000000' }],
      ['srt://host:9000?mode=caller', { rw_timeout: '2000000' }],
      ['tcp://127.0.0.1:9000', { rw_timeout: '2000000' }],
      ['udp://239.0.0.1:1234', { rw_timeout: '2000000', timeout: '2000000', overrun_nonfatal: '1', fifo_size: '50000' }],
      ['rtp://127.0.0.1:5004', { rw_timeout: '2000000', timeout: '2000000' }],
    ];
    for (const [url, ffmpegOptions] of cases) {
      await using source = await resolveSource(url, { timeoutMs: 2000 });
      assert.equal(source.url, url);
      assert.equal(source.kind, 'live');
      assert.equal(source.isLive, true);
      assert.deepEqual(source.ffmpegOptions, ffmpegOptions, url);
      assert.deepEqual(source.reconnect, { enabled: true, maxAttempts: 10, baseDelayMs: 500, maxDelayMs: 10000 });
    }
    await using rtsp = await resolveSource('rtsp://user:pw@cam.local/stream?token=1', { ffmpegOptions: { rtsp_transport: 'udp' }, reconnect: { maxAttempts: 2 } });
    assert.equal(rtsp.ffmpegOptions.rtsp_transport, 'udp');
    assert.equal(rtsp.displayName, 'rtsp://cam.local/stream');
    assert.equal(rtsp.reconnect.maxAttempts, 2);
  });
  it('resolves V4L2 devices (resolution only: no camera here)', async () => {
    for (const input of ['/dev/video0', 'v4l2:///dev/video2']) {
      await using cam = await resolveSource(input);
      assert.equal(cam.kind, 'device');
      assert.equal(cam.format, 'v4l2');
      assert.equal(cam.isLive, true);
      assert.match(cam.url, /^\/dev\/video\d$/);
    }
  });
});

describe('custom resolvers', () => {
  it('are asked first, newest first, and can be removed', async () => {
    const calls: string[] = [];
    const make = (name: string): SourceResolver => ({
      name,
      canResolve: (input) => typeof input === 'string' && input.startsWith('myapp://'),
      async resolve(input, options) {
        calls.push(name);
        return resolveSource(`data:video/mp4;base64,${Buffer.from(String(input)).toString('base64')}`, options);
      },
    });
    const removeA = registerResolver(make('a'));
    const removeB = registerResolver(make('b'));
    try {
      await using source = await resolveSource('myapp://clip/42', { ffmpegOptions: { probesize: '64' } });
      assert.deepEqual(calls, ['b']);
      assert.equal(source.ffmpegOptions.probesize, '64');
    } finally {
      removeB();
      removeA();
    }
    await assert.rejects(resolveSource('myapp://clip/42'), code('ERR_UNSUPPORTED_SOURCE'));
    assert.throws(() => registerResolver({} as SourceResolver), code('ERR_INVALID_OPTIONS'));
  });
  it('refuse an already aborted signal', async () => {
    await assert.rejects(resolveSource('/dev/video0', { signal: AbortSignal.abort() }), code('ERR_ABORTED'));
  });
});
