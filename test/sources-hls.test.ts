/** HLS sources: live vs VOD detection, master playlists, and every URI routed through the proxy. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isFramepipeError } from '../src/core/errors.ts';
import { resolveSource, type SourceOptions } from '../src/sources/index.ts';
import { activeRouteCount } from '../src/sources/loopback.ts';
import { pseudoRandomBytes, startTestServer, type TestServer } from './helpers/http-server.ts';

const code = (c: string) => (err: unknown) => isFramepipeError(err) && err.code === c;
const segment = (seed: number) => Buffer.concat([Buffer.from([0x47]), pseudoRandomBytes(188 * 50 - 1, seed)]);
const seg0 = segment(1);
const seg1 = segment(2);
const remoteSeg = segment(3);
const opts: SourceOptions = { timeoutMs: 2000, retry: { retries: 1, baseDelayMs: 10 }, headers: { 'x-token': 'abc' } };
const media = (uris: string[], ended: boolean) =>
  `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n${uris.map((u) => `#EXTINF:2.0,\n${u}\n`).join('')}${ended ? '#EXT-X-ENDLIST\n' : ''}`;

let dir = '';
let origin: TestServer;
let other: TestServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-hls-'));
  other = await startTestServer({ body: remoteSeg, contentType: 'video/mp2t', headersRequired: { 'x-token': 'abc' } });
  await mkdir(join(dir, 'vod'));
  await mkdir(join(dir, 'live'));
  await writeFile(join(dir, 'vod', 'seg0.ts'), seg0);
  await writeFile(join(dir, 'vod', 'seg1.ts'), seg1);
  await writeFile(join(dir, 'vod', 'index.m3u8'), media(['seg0.ts', '/vod/seg1.ts', other.url('/cdn/seg.ts')], true));
  await writeFile(join(dir, 'vod', 'playlist'), media(['seg0.ts'], true));
  await writeFile(join(dir, 'live', 'index.m3u8'), media(['../vod/seg0.ts', '../vod/seg1.ts'], false));
  await writeFile(join(dir, 'master-live.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlive/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=99\nvod/index.m3u8\n');
  await writeFile(join(dir, 'master-vod.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nvod/index.m3u8\n');
  await writeFile(join(dir, 'not-hls.m3u8'), '<html>login</html>');
  origin = await startTestServer({ dir, headersRequired: { 'x-token': 'abc' } });
});
after(async () => {
  await origin.close();
  await other.close();
  await rm(dir, { recursive: true, force: true });
  assert.equal(activeRouteCount(), 0);
});

async function text(url: string): Promise<string> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return res.text();
}

describe('hls', () => {
  it('resolves a VOD playlist and routes every segment through the proxy with the headers', async () => {
    await using source = await resolveSource(origin.url('/vod/index.m3u8'), opts);
    assert.equal(source.kind, 'hls');
    assert.equal(source.format, 'hls');
    assert.equal(source.isLive, false);
    assert.equal(source.reconnect.enabled, false);
    assert.equal(source.ffmpegOptions.http_persistent, '0');
    assert.equal(source.ffmpegOptions.reconnect, '0');
    const proxy = source.url.replace(/\/vod\/index\.m3u8$/, '');
    assert.match(proxy, /^http:\/\/127\.0\.0\.1:\d+\/s\/[0-9a-f]{16}$/);
    const uris = (await text(source.url)).split('\n').filter((l) => l && !l.startsWith('#'));
    const otherKey = Buffer.from(other.origin).toString('base64url');
    assert.deepEqual(uris, [`${proxy}/vod/seg0.ts`, `${proxy}/vod/seg1.ts`, `${proxy.replace('/s/', '/x/')}/${otherKey}/cdn/seg.ts`]);
    const before = source.bytesRead();
    const bodies = await Promise.all(uris.map(async (u) => Buffer.from(await (await fetch(u)).arrayBuffer())));
    assert.deepEqual(bodies, [seg0, seg1, remoteSeg]);
    assert.equal(source.bytesRead() - before, seg0.length + seg1.length + remoteSeg.length);
    assert.equal(source.failure(), null);
  });
  it('marks a playlist without #EXT-X-ENDLIST as live, with reconnect enabled', async () => {
    await using source = await resolveSource(origin.url('/live/index.m3u8'), opts);
    assert.equal(source.isLive, true);
    assert.equal(source.reconnect.enabled, true);
    const uris = (await text(source.url)).split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(Buffer.from(await (await fetch(uris[1] ?? '')).arrayBuffer()), seg1);
  });
  it('decides live vs VOD for a master playlist from its first variant', async () => {
    await using live = await resolveSource(origin.url('/master-live.m3u8'), opts);
    assert.equal(live.isLive, true);
    await using vod = await resolveSource(origin.url('/master-vod.m3u8'), opts);
    assert.equal(vod.isLive, false);
    const variant = (await text(vod.url)).split('\n').find((l) => l.endsWith('.m3u8')) ?? '';
    assert.match(await text(variant), /#EXT-X-ENDLIST/);
  });
  it('detects a playlist by its content when the URL does not end in .m3u8', async () => {
    await using source = await resolveSource(origin.url('/vod/playlist'), opts);
    assert.equal(source.kind, 'hls');
    assert.equal(source.isLive, false);
    const uri = (await text(source.url)).split('\n').find((l) => l.endsWith('seg0.ts')) ?? '';
    assert.deepEqual(Buffer.from(await (await fetch(uri)).arrayBuffer()), seg0);
  });
  it('reports a .m3u8 URL that is not a playlist, and a missing one', async () => {
    await assert.rejects(resolveSource(origin.url('/not-hls.m3u8'), opts), code('ERR_NOT_A_VIDEO'));
    await assert.rejects(resolveSource(origin.url('/nope.m3u8'), opts), (err: unknown) => isFramepipeError(err) && err.details.status === 404);
    await assert.rejects(resolveSource(origin.url('/vod/index.m3u8'), { ...opts, headers: {} }), (err: unknown) => isFramepipeError(err) && err.details.status === 401);
  });
});
