/** HTTP sources against real loopback servers: preflight decisions, the proxy, retries, timeouts, budgets. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { isFramepipeError } from '../src/core/errors.ts';
import { type OpenableSource, resolveSource, type SourceOptions, type SourceWarning } from '../src/sources/index.ts';
import { activeRouteCount } from '../src/sources/loopback.ts';
import { startTestServer, syntheticMp4, type TestServer } from './helpers/http-server.ts';

const code = (c: string) => (err: unknown) => isFramepipeError(err) && err.code === c;
const mp4 = syntheticMp4('front', 300_000);
const fast: SourceOptions = { timeoutMs: 2000, retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 100 } };

const open: (TestServer | OpenableSource)[] = [];
async function server(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(options);
  open.push(s);
  return s;
}
async function resolve(input: string, options: SourceOptions = {}): Promise<OpenableSource> {
  const source = await resolveSource(input, { ...fast, ...options });
  open.push(source);
  return source;
}
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});
after(() => assert.equal(activeRouteCount(), 0, 'every proxy route was released'));

async function get(url: string, range?: string) {
  const res = await fetch(url, range ? { headers: { range } } : {});
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('http with Range support (streamed through the proxy)', () => {
  it('serves correct 206 answers for arbitrary ranges and counts the bytes', async () => {
    const origin = await server({ body: mp4 });
    const source = await resolve(origin.url('/media/clip.mp4?sig=abc'));
    assert.equal(source.kind, 'http');
    assert.equal(source.isLive, false);
    assert.equal(source.format, null);
    assert.match(source.url, /^http:\/\/127\.0\.0\.1:\d+\/s\/[0-9a-f]{16}\/media\/clip\.mp4\?sig=abc$/);
    assert.equal(source.ffmpegOptions.reconnect, '0');
    assert.ok(Number(source.ffmpegOptions.rw_timeout) > 2000 * 1000, 'FFmpeg outlasts the proxy retry cycle');
    assert.equal(source.ffmpegOptions.seekable, undefined);
    assert.equal(source.displayName, `${origin.origin}/media/clip.mp4`);
    assert.deepEqual(origin.stats.ranges, ['bytes=0-65535']);
    const afterPreflight = source.bytesRead();
    assert.equal(afterPreflight, 65536);
    const cases: [string, number, number][] = [['bytes=0-99', 0, 99], ['bytes=123456-', 123456, mp4.length - 1], ['bytes=-500', mp4.length - 500, mp4.length - 1], ['bytes=1000-1000', 1000, 1000]];
    let expected = afterPreflight;
    for (const [range, start, end] of cases) {
      const res = await get(source.url, range);
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${mp4.length}`);
      assert.equal(res.headers.get('content-length'), String(end - start + 1));
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.deepEqual(res.body, mp4.subarray(start, end + 1), range);
      expected += end - start + 1;
      assert.equal(source.bytesRead(), expected);
    }
    const whole = await get(source.url);
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.body, mp4);
    assert.equal((await get(source.url, `bytes=${mp4.length}-`)).status, 416);
    const head = await fetch(source.url, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(mp4.length));
    assert.equal(source.failure(), null, 'a 416 while seeking is not a failure');
  });
  it('sends the custom headers on the preflight and on every proxied request', async () => {
    const origin = await server({ body: mp4, headersRequired: { authorization: 'Bearer t0k' } });
    await assert.rejects(resolve(origin.url('/v.mp4')), (err: unknown) => isFramepipeError(err) && err.details.status === 401);
    origin.resetStats();
    const source = await resolve(origin.url('/v.mp4'), { headers: { Authorization: 'Bearer t0k' } });
    assert.deepEqual((await get(source.url, 'bytes=10-19')).body, mp4.subarray(10, 20));
    assert.equal(origin.stats.requests, 2);
    assert.ok(origin.stats.log.every((r) => r.headers.authorization === 'Bearer t0k' && r.headers['accept-encoding'] === 'identity'));
  });
  it('passes upstream errors through and records them in failure()', async () => {
    const origin = await server({ body: mp4 });
    const source = await resolve(origin.url('/v.mp4'));
    await origin.set({ status: 404 });
    assert.equal((await get(source.url, 'bytes=0-9')).status, 404);
    assert.equal(source.failure()?.code, 'ERR_HTTP_STATUS');
    assert.equal(source.failure()?.details.status, 404);
  });
  it('retries 5xx inside the proxy, then passes the status through', async () => {
    const origin = await server({ body: mp4 });
    const warnings: SourceWarning[] = [];
    const source = await resolve(origin.url('/v.mp4'), { onWarning: (w) => warnings.push(w) });
    origin.resetStats();
    await origin.set({ status: 503 });
    assert.equal((await get(source.url, 'bytes=0-9')).status, 503);
    assert.equal(origin.stats.requests, 3);
    assert.equal(warnings.filter((w) => w.code === 'retry').length, 2);
    assert.equal(source.failure()?.details.status, 503);
  });
});

describe('http without Range support', () => {
  it('streams an MP4 with its index at the front, without seeking', async () => {
    const origin = await server({ body: mp4, range: false });
    const source = await resolve(origin.url('/v.mp4'));
    assert.equal(source.kind, 'http');
    assert.equal(source.ffmpegOptions.seekable, '0');
    const res = await get(source.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('accept-ranges'), null);
    assert.deepEqual(res.body, mp4);
  });
  it('resumes a dropped connection by re-reading and skipping what was sent', async () => {
    const origin = await server({ body: mp4, range: false });
    const source = await resolve(origin.url('/v.mp4'));
    // Armed after the preflight, whose full-body answer would otherwise use up the one reset.
    await origin.set({ resetAfterBytes: 100_000, resetMode: 'once' });
    origin.resetStats();
    const res = await get(source.url);
    assert.deepEqual(res.body, mp4);
    assert.equal(origin.stats.requests, 2, 'the cut transfer, then the resumed one');
    assert.deepEqual(origin.stats.ranges, [null, `bytes=100000-${mp4.length - 1}`], 'resume asks for the rest even from a server without Range');
    assert.equal(source.failure(), null);
  });
});

describe('retries and failures', () => {
  it('does not retry a 404', async () => {
    const origin = await server({ body: mp4, status: 404 });
    await assert.rejects(resolve(origin.url('/missing.mp4')), (err: unknown) => {
      assert.ok(isFramepipeError(err) && err.code === 'ERR_HTTP_STATUS');
      assert.deepEqual(err.details, { status: 404, url: origin.url('/missing.mp4') });
      assert.match(err.message, /HTTP 404 Not Found/);
      return true;
    });
    assert.equal(origin.stats.requests, 1);
  });
  it('retries a 500 `retries` times with backoff, then fails with ERR_HTTP_STATUS', async () => {
    const origin = await server({ body: mp4, status: 500 });
    const warnings: SourceWarning[] = [];
    const started = Date.now();
    await assert.rejects(
      resolve(origin.url('/v.mp4'), { retry: { retries: 2, baseDelayMs: 100, maxDelayMs: 1000 }, onWarning: (w) => warnings.push(w) }),
      (err: unknown) => isFramepipeError(err) && err.code === 'ERR_HTTP_STATUS' && err.details.status === 500,
    );
    assert.equal(origin.stats.requests, 3);
    assert.ok(Date.now() - started >= 80 + 160, 'waited for the backoff');
    assert.deepEqual(warnings.map((w) => [w.code, w.details?.attempt]), [['retry', 1], ['retry', 2]]);
  });
  it('succeeds after transient 503s', async () => {
    const origin = await server({ body: mp4, failFirst: 2 });
    const source = await resolve(origin.url('/v.mp4'));
    assert.equal(source.kind, 'http');
    assert.equal(origin.stats.requests, 3);
  });
  it('reports a refused connection as ERR_UNREACHABLE', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    await assert.rejects(resolve(`http://127.0.0.1:${port}/v.mp4`), (err: unknown) => {
      assert.ok(isFramepipeError(err) && err.code === 'ERR_UNREACHABLE' && err.retriable);
      assert.match(err.message, /connection refused/);
      return true;
    });
  });
  it('times out a silent server within about timeoutMs, before and after the headers', async () => {
    const silentBody = await server({ body: mp4, stallAfterBytes: 0 });
    let started = Date.now();
    await assert.rejects(resolve(silentBody.url('/v.mp4'), { timeoutMs: 300, retry: { retries: 0 } }), code('ERR_TIMEOUT'));
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    const silentHeaders = await server({ body: mp4, delayHeadersMs: 5000 });
    started = Date.now();
    await assert.rejects(resolve(silentHeaders.url('/v.mp4'), { timeoutMs: 300, retry: { retries: 1, baseDelayMs: 10 } }), code('ERR_TIMEOUT'));
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(silentHeaders.stats.requests, 2);
  });
  it('resumes a stalled body through the proxy, byte-identical', async () => {
    const origin = await server({ body: mp4, stallAfterBytes: 150_000, stallMode: 'once' });
    const source = await resolve(origin.url('/v.mp4'), { timeoutMs: 300 });
    const res = await get(source.url);
    assert.deepEqual(res.body, mp4);
    assert.ok(origin.stats.ranges.includes(`bytes=150000-${mp4.length - 1}`), String(origin.stats.ranges));
    assert.equal(source.failure(), null);
  });
  it('gives up on a body that stays stalled and records ERR_TIMEOUT', async () => {
    const origin = await server({ body: mp4, stallAfterBytes: 150_000, stallMode: 'always' });
    const source = await resolve(origin.url('/v.mp4'), { timeoutMs: 300, retry: { retries: 1, baseDelayMs: 10 } });
    const started = Date.now();
    await assert.rejects(get(source.url));
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(source.failure()?.code, 'ERR_TIMEOUT');
  });
  it('resumes a connection reset mid-body; the client gets the full body', async () => {
    const origin = await server({ body: mp4, resetAfterBytes: 100_000, resetMode: 'once' });
    const source = await resolve(origin.url('/v.mp4'));
    const res = await get(source.url, 'bytes=5000-');
    assert.equal(res.status, 206);
    assert.deepEqual(res.body, mp4.subarray(5000));
    assert.deepEqual(origin.stats.ranges.slice(1), ['bytes=5000-', `bytes=100000-${mp4.length - 1}`]);
    assert.equal(source.failure(), null);
    assert.equal(source.bytesRead(), 65536 + mp4.length - 5000);
  });
  it('records ERR_UNREACHABLE when every resume is reset', async () => {
    const origin = await server({ body: mp4, resetAfterBytes: 100_000, resetMode: 'always' });
    const source = await resolve(origin.url('/v.mp4'), { retry: { retries: 1, baseDelayMs: 10 } });
    await assert.rejects(get(source.url));
    assert.equal(source.failure()?.code, 'ERR_UNREACHABLE');
  });
  it('stops at maxBytes with ERR_BUDGET_EXCEEDED', async () => {
    const origin = await server({ body: mp4 });
    const source = await resolve(origin.url('/v.mp4'), { maxBytes: 100_000 });
    assert.deepEqual((await get(source.url, 'bytes=0-49999')).body, mp4.subarray(0, 50_000));
    await assert.rejects(get(source.url, 'bytes=50000-'));
    assert.equal(source.failure()?.code, 'ERR_BUDGET_EXCEEDED');
    assert.ok(source.bytesRead() <= 65536 + 100_000);
  });
  it('cancels the preflight and the retry waits with ERR_ABORTED', async () => {
    const hung = await server({ body: mp4, delayHeadersMs: 10_000 });
    let started = Date.now();
    await assert.rejects(resolve(hung.url('/v.mp4'), { timeoutMs: 60_000, signal: AbortSignal.timeout(100) }), code('ERR_ABORTED'));
    assert.ok(Date.now() - started < 1000);
    const failing = await server({ body: mp4, status: 500 });
    started = Date.now();
    await assert.rejects(
      resolve(failing.url('/v.mp4'), { retry: { retries: 5, baseDelayMs: 5000, maxDelayMs: 5000 }, signal: AbortSignal.timeout(100) }),
      code('ERR_ABORTED'),
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(failing.stats.requests, 1);
  });
});

describe('proxy lifecycle and URLs', () => {
  it('cuts in-flight transfers on close() and stops answering the route', async () => {
    const origin = await server({ body: mp4, stallAfterBytes: 200_000, faultsAfterRequests: 1 });
    const source = await resolveSource(origin.url('/v.mp4'), { ...fast, timeoutMs: 30_000 });
    const res = await fetch(source.url);
    const reading = res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await source.close();
    await assert.rejects(reading);
    assert.ok(Date.now() - started < 1000);
    await assert.rejects(fetch(source.url), 'the loopback server closed with its last route');
    assert.equal(source.failure(), null, 'closing is not a failure of the source');
  });
  it('keeps Basic credentials given in the URL on proxied requests, without showing them', async () => {
    const basic = `Basic ${Buffer.from('me:pw').toString('base64')}`;
    const origin = await server({ body: mp4, headersRequired: { authorization: basic } });
    const source = await resolve(origin.url('/v.mp4').replace('http://', 'http://me:pw@'));
    assert.equal(source.displayName, origin.url('/v.mp4'));
    assert.ok(!source.url.includes('pw'));
    assert.deepEqual((await get(source.url, 'bytes=0-99')).body, mp4.subarray(0, 100));
  });
  it('follows redirects and serves the final URL', async () => {
    const origin = await server({ body: mp4 });
    const redirector = createServer((_req, res) => res.writeHead(302, { location: origin.url('/real/v.mp4') }).end());
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    try {
      const { port } = redirector.address() as AddressInfo;
      const source = await resolve(`http://127.0.0.1:${port}/short`);
      assert.equal(source.displayName, `http://127.0.0.1:${port}/short`);
      assert.match(source.url, /\/s\/[0-9a-f]{16}\/real\/v\.mp4$/);
      assert.deepEqual((await get(source.url, 'bytes=0-99')).body, mp4.subarray(0, 100));
    } finally {
      await new Promise<void>((r) => redirector.close(() => r()));
    }
  });
});
