/** The download fallback (no Range and not readable front to back): atomic cache files, reuse, cleanup. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { isFramepipeError } from '../src/core/errors.ts';
import { cacheKey } from '../src/sources/cache.ts';
import { resolveSource, type SourceOptions, type SourceWarning } from '../src/sources/index.ts';
import { activeRouteCount } from '../src/sources/loopback.ts';
import { pseudoRandomBytes, startTestServer, syntheticMp4, type TestServer } from './helpers/http-server.ts';

const code = (c: string) => (err: unknown) => isFramepipeError(err) && err.code === c;
const mp4 = syntheticMp4('end', 300_000);
let cacheDir = '';
let origin: TestServer;
let warnings: SourceWarning[] = [];
const options = (extra: SourceOptions = {}): SourceOptions => ({
  cacheDir,
  timeoutMs: 2000,
  retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 100 },
  onWarning: (w) => warnings.push(w),
  ...extra,
});

beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'framepipe-cache-test-'));
  origin = await startTestServer({ body: mp4, range: false });
  warnings = [];
});
afterEach(async () => {
  await origin.close();
  await rm(cacheDir, { recursive: true, force: true });
});
after(() => assert.equal(activeRouteCount(), 0));

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('download fallback', () => {
  it('downloads an MP4 with its index at the end into the cache, and deletes it on close', async () => {
    const url = origin.url('/clips/v.mp4?token=secret');
    const source = await resolveSource(url, options());
    assert.equal(source.kind, 'http-cache');
    assert.equal(source.url, join(cacheDir, `${cacheKey(url, {})}.mp4`));
    assert.equal(source.displayName, origin.url('/clips/v.mp4'));
    assert.deepEqual(await readFile(source.url), mp4);
    // The preflight stops reading after 64 KiB, but a server without Range may have sent a little more.
    assert.ok(source.bytesRead() >= 65536 + mp4.length && source.bytesRead() < 2 * mp4.length, String(source.bytesRead()));
    assert.deepEqual(warnings.map((w) => w.code), ['download-fallback']);
    assert.match(warnings[0]?.message ?? '', /index \(moov\) comes after the media data/);
    assert.deepEqual(await readdir(cacheDir), [basename(source.url)]);
    await source.close();
    await source.close();
    assert.deepEqual(await readdir(cacheDir), []);
  });
  it('downloads unrecognised content too, since it may need seeking', async () => {
    await origin.set({ body: pseudoRandomBytes(100_000, 5), contentType: 'application/octet-stream' });
    await using source = await resolveSource(origin.url('/blob'), options());
    assert.equal(source.kind, 'http-cache');
    assert.equal(basename(source.url), cacheKey(origin.url('/blob'), {}));
  });
  it('never shows a half file under the final name, and removes the .tmp on abort', async () => {
    await origin.set({ stallAfterBytes: 200_000 });
    const controller = new AbortController();
    const pending = resolveSource(origin.url('/v.mp4'), options({ signal: controller.signal, timeoutMs: 10_000 }));
    const tmpFiles = async () => (await readdir(cacheDir)).filter((n) => n.endsWith('.tmp'));
    await waitFor(async () => (await tmpFiles()).length === 1);
    await waitFor(async () => origin.stats.bytesSent >= 65536 + 200_000);
    assert.deepEqual((await readdir(cacheDir)).filter((n) => !n.endsWith('.tmp')), [], 'no final file while downloading');
    controller.abort();
    await assert.rejects(pending, code('ERR_ABORTED'));
    assert.deepEqual(await readdir(cacheDir), []);
  });
  it('fails a download that stays stalled with ERR_TIMEOUT and leaves nothing behind', async () => {
    await origin.set({ stallAfterBytes: 200_000 });
    const started = Date.now();
    await assert.rejects(resolveSource(origin.url('/v.mp4'), options({ timeoutMs: 300, retry: { retries: 1, baseDelayMs: 10 } })), code('ERR_TIMEOUT'));
    assert.ok(Date.now() - started < 3000);
    assert.deepEqual(await readdir(cacheDir), []);
  });
  it('restarts a download cut by a connection reset', async () => {
    await origin.set({ resetAfterBytes: 150_000, resetMode: 'once', faultsAfterRequests: 1 });
    await using source = await resolveSource(origin.url('/v.mp4'), options());
    assert.deepEqual(await readFile(source.url), mp4);
    assert.deepEqual(warnings.map((w) => w.code), ['download-fallback', 'retry']);
    assert.equal(origin.stats.requests, 3, 'preflight, cut download, complete download');
  });
  it('refuses a download larger than maxBytes before starting it', async () => {
    await assert.rejects(resolveSource(origin.url('/v.mp4'), options({ maxBytes: 200_000 })), (err: unknown) => {
      assert.ok(isFramepipeError(err) && err.code === 'ERR_BUDGET_EXCEEDED');
      assert.match(err.message, /300156 bytes exceeds maxBytes \(200000 bytes\)/);
      return true;
    });
    assert.equal(origin.stats.requests, 1, 'only the preflight');
    assert.deepEqual(await readdir(cacheDir), []);
  });
  it('keeps and reuses the download with keepCache, without touching the network', async () => {
    const first = await resolveSource(origin.url('/v.mp4'), options({ keepCache: true }));
    await first.close();
    assert.deepEqual(await readdir(cacheDir), [basename(first.url)]);
    const requests = origin.stats.requests;
    warnings = [];
    await using second = await resolveSource(origin.url('/v.mp4'), options({ keepCache: true }));
    assert.equal(second.url, first.url);
    assert.equal(second.kind, 'http-cache');
    assert.deepEqual(warnings.map((w) => w.code), ['cache-hit']);
    assert.equal(origin.stats.requests, requests);
    await using other = await resolveSource(origin.url('/v.mp4'), options({ keepCache: true, headers: { 'accept-language': 'fr' } }));
    assert.notEqual(other.url, first.url, 'different headers, different cache entry');
  });
  it('keeps a file shared by two open sources until both are closed', async () => {
    const a = await resolveSource(origin.url('/v.mp4'), options());
    const b = await resolveSource(origin.url('/v.mp4'), options());
    assert.equal(a.url, b.url);
    await a.close();
    assert.deepEqual(await readFile(b.url), mp4);
    await b.close();
    assert.deepEqual(await readdir(cacheDir), []);
  });
});
