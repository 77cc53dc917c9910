/** Pure parts of the source layer: backoff, statuses, sniffing, ranges, data: URIs, playlists, options. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFramepipeError } from '../src/core/errors.ts';
import { cacheKey } from '../src/sources/cache.ts';
import { decodedSize, decodeDataUri, parseDataUri } from '../src/sources/data-uri.ts';
import {
  backoffDelayMs,
  defaultResolvers,
  isRetriableStatus,
  mp4IndexPosition,
  parseRange,
  resolveSource,
  resolveSourceOptions,
  sniffContainer,
} from '../src/sources/index.ts';
import { parsePlaylist, rewritePlaylist } from '../src/sources/playlist.ts';
import { parseContentRange } from '../src/sources/preflight.ts';
import { worstCaseRetryMs } from '../src/sources/retry.ts';
import { canStreamWithoutSeeking, displayNameOf, extensionFor, isHlsPlaylist } from '../src/sources/sniff.ts';
import { syntheticMp4 } from './helpers/http-server.ts';

const code = (c: string) => (err: unknown) => isFramepipeError(err) && err.code === c;

describe('backoffDelayMs', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles from the base without jitter at random() = 0.5', () => {
    assert.deepEqual([1, 2, 3, 4].map((a) => backoffDelayMs(a, policy, () => 0.5)), [100, 200, 400, 800]);
  });
  it('never exceeds maxDelayMs, even with maximal jitter or huge attempts', () => {
    assert.equal(backoffDelayMs(5, policy, () => 0.999), 1000);
    assert.equal(backoffDelayMs(10_000, policy, () => 0.999), 1000);
  });
  it('applies ±20% jitter', () => {
    assert.equal(backoffDelayMs(1, policy, () => 0), 80);
    assert.equal(backoffDelayMs(1, policy, () => 1), 120);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(2, policy);
      assert.ok(d >= 160 && d <= 240, `delay ${d}`);
    }
  });
  it('treats attempts below 1 as the first and fills defaults (250 ms base)', () => {
    assert.equal(backoffDelayMs(0, {}, () => 0.5), 250);
    assert.equal(backoffDelayMs(-3, {}, () => 0.5), 250);
    assert.equal(backoffDelayMs(100, {}, () => 0.5), 5000);
  });
  it('worst case of a retry cycle adds every timeout and every maximal backoff', () => {
    assert.equal(worstCaseRetryMs(1000, { retries: 2, baseDelayMs: 100, maxDelayMs: 1000 }), 3000 + 120 + 240);
  });
});

describe('isRetriableStatus', () => {
  it('retries 408, 429 and 5xx only', () => {
    for (const s of [408, 429, 500, 502, 503, 504, 599]) assert.equal(isRetriableStatus(s), true, String(s));
    for (const s of [200, 206, 301, 400, 401, 403, 404, 410, 416, 600]) assert.equal(isRetriableStatus(s), false, String(s));
  });
});

describe('sniffing', () => {
  it('finds moov before or after mdat', () => {
    assert.equal(mp4IndexPosition(syntheticMp4('front', 1000)), 'front');
    assert.equal(mp4IndexPosition(syntheticMp4('end', 1000)), 'end');
  });
  it('sees mdat even when only its header is in the bytes', () => {
    assert.equal(mp4IndexPosition(syntheticMp4('end', 500_000).subarray(0, 64 * 1024)), 'end');
  });
  it('reports unknown when the bytes end before moov or mdat, or sizes are broken', () => {
    const mp4 = syntheticMp4('front', 10);
    assert.equal(mp4IndexPosition(mp4.subarray(0, 30)), 'unknown');
    const broken = Buffer.from(mp4);
    broken.writeUInt32BE(3, 0);
    assert.equal(mp4IndexPosition(broken), 'unknown');
  });
  it('follows 64-bit box sizes', () => {
    const big = Buffer.alloc(16 + 8 + 8);
    big.writeUInt32BE(1, 0);
    big.write('free', 4, 'latin1');
    big.writeBigUInt64BE(24n, 8);
    big.writeUInt32BE(8, 24);
    big.write('moov', 28, 'latin1');
    assert.equal(mp4IndexPosition(big), 'front');
  });
  it('tells containers apart by their first bytes', () => {
    const ts = Buffer.alloc(188 * 2);
    ts[0] = 0x47;
    ts[188] = 0x47;
    assert.equal(sniffContainer(ts), 'mpegts');
    assert.equal(sniffContainer(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0])), 'matroska');
    assert.equal(sniffContainer(Buffer.from('FLV\x01')), 'flv');
    assert.equal(sniffContainer(Buffer.from('OggS\0')), 'ogg');
    assert.equal(sniffContainer(Buffer.from('RIFF\0\0\0\0AVI LIST')), 'avi');
    assert.equal(sniffContainer(Buffer.from('\uFEFF#EXTM3U\n')), 'hls');
    assert.equal(sniffContainer(syntheticMp4('end', 10)), 'mp4');
    assert.equal(sniffContainer(Buffer.from('<html>')), 'unknown');
  });
  it('streams without seeking only for sequential containers or MP4 with the index first', () => {
    assert.equal(canStreamWithoutSeeking(syntheticMp4('front', 10)), true);
    assert.equal(canStreamWithoutSeeking(syntheticMp4('end', 10)), false);
    assert.equal(canStreamWithoutSeeking(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])), true);
    assert.equal(canStreamWithoutSeeking(Buffer.from('<html>')), false);
  });
  it('detects HLS by extension, content type or first line', () => {
    assert.equal(isHlsPlaylist(new URL('http://h/a/INDEX.M3U8?x=1')), true);
    assert.equal(isHlsPlaylist(null, 'application/vnd.apple.mpegURL'), true);
    assert.equal(isHlsPlaylist(null, 'video/mp4', Buffer.from('  #EXTM3U')), true);
    assert.equal(isHlsPlaylist(new URL('http://h/a.mp4'), 'video/mp4', Buffer.from('xx')), false);
  });
  it('names sources without credentials or query, and picks cache extensions', () => {
    assert.equal(displayNameOf(new URL('https://u:p@cdn.example:8443/v.mp4?token=x#f')), 'https://cdn.example:8443/v.mp4');
    assert.equal(extensionFor(new URL('http://h/a/B.MP4?x'), 'video/webm'), '.mp4');
    assert.equal(extensionFor(new URL('http://h/watch'), 'video/webm; codecs=vp9'), '.webm');
    assert.equal(extensionFor(new URL('http://h/watch'), null), '');
  });
});

describe('ranges', () => {
  it('parses single ranges like RFC 9110', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-500', 100), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=50-500', 100), { start: 50, end: 99 });
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
    assert.equal(parseRange(undefined, 100), null);
    assert.equal(parseRange('bytes=0-1,5-6', 100), null);
    assert.equal(parseRange('items=0-1', 100), null);
    assert.equal(parseRange('bytes=9-3', 100), null);
  });
  it('parses Content-Range with known and unknown totals', () => {
    assert.deepEqual(parseContentRange('bytes 0-99/1000'), { start: 0, end: 99, total: 1000 });
    assert.deepEqual(parseContentRange('bytes 5-9/*'), { start: 5, end: 9, total: null });
    assert.equal(parseContentRange('bytes */1000'), null);
    assert.equal(parseContentRange(undefined), null);
  });
});

describe('data: URIs', () => {
  it('computes the decoded size before decoding', () => {
    assert.equal(decodedSize(parseDataUri('data:video/mp4;base64,AAAA')), 3);
    assert.equal(decodedSize(parseDataUri('data:;base64,AAA=')), 2);
    assert.equal(decodedSize(parseDataUri('data:;base64,AA==')), 1);
    assert.equal(decodedSize(parseDataUri('data:,a%20b')), 3);
  });
  it('decodes base64 (with whitespace) and percent-encoding', () => {
    assert.deepEqual(decodeDataUri(parseDataUri('data:video/mp4;base64,AAEC\n/w==')), Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(decodeDataUri(parseDataUri('data:,%00%01a')), Buffer.from([0, 1, 97]));
    assert.equal(parseDataUri('data:,x').mediaType, 'text/plain');
  });
  it('rejects malformed URIs with ERR_INVALID_OPTIONS', () => {
    assert.throws(() => parseDataUri('data:video/mp4;base64'), code('ERR_INVALID_OPTIONS'));
    assert.throws(() => decodeDataUri(parseDataUri('data:;base64,A$$$')), code('ERR_INVALID_OPTIONS'));
    assert.throws(() => decodeDataUri(parseDataUri('data:,%zz')), code('ERR_INVALID_OPTIONS'));
  });
});

describe('playlists', () => {
  const media = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXTINF:2,\nseg1.ts\n';
  it('tells VOD from live', () => {
    assert.equal(parsePlaylist(media).isEnded, false);
    assert.equal(parsePlaylist(`${media}#EXT-X-ENDLIST\n`).isEnded, true);
    assert.equal(parsePlaylist(`#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n${media}`).isEnded, true);
  });
  it('lists master playlist variants', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\nhigh/index.m3u8\n';
    assert.deepEqual(parsePlaylist(master), { isMaster: true, variants: ['low/index.m3u8', 'high/index.m3u8'], isEnded: false });
  });
  it('rewrites URI lines and URI attributes, leaving data: and tags alone', () => {
    const text = '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="/keys/k1"\n#EXT-X-MAP:URI="data:,x"\n#EXTINF:2,\nseg0.ts?a=1\nhttps://other.example/s1.ts\n';
    const out = rewritePlaylist(text, new URL('https://cdn.example/v/p.m3u8'), (u) => `P[${u.href}]`);
    assert.equal(
      out,
      '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="P[https://cdn.example/keys/k1]"\n#EXT-X-MAP:URI="data:,x"\n#EXTINF:2,\nP[https://cdn.example/v/seg0.ts?a=1]\nP[https://other.example/s1.ts]\n',
    );
  });
});

describe('options', () => {
  it('fills defaults', () => {
    const o = resolveSourceOptions({});
    assert.equal(o.timeoutMs, 15000);
    assert.deepEqual(o.retry, { retries: 3, baseDelayMs: 250, maxDelayMs: 5000 });
    assert.equal(o.maxBytes, null);
    assert.equal(o.maxDataUriBytes, 64 * 1024 * 1024);
    assert.equal(o.keepCache, false);
    assert.match(o.cacheDir, /framepipe-cache$/);
    assert.equal(resolveSourceOptions(o), o, 'resolved options are not validated twice');
  });
  it('names the option, the value and the problem', () => {
    const cases: [unknown, RegExp][] = [
      [{ timeoutMs: 0 }, /`timeoutMs` expected more than 0 milliseconds, got 0/],
      [{ timeoutMs: 1.5 }, /`timeoutMs` expected a whole number of milliseconds, got 1.5/],
      [{ retry: { retries: -1 } }, /`retry.retries` expected 0 or more attempts, got -1/],
      [{ headers: { a: 1 } }, /`headers.a` expected every value to be a string, got 1/],
      [{ maxBytes: 'lots' }, /`maxBytes` .*got "lots"/],
      [{ timeout: 5 }, /unknown option `timeout`/],
      [{ retry: { baseDelayMs: 100, maxDelayMs: 10 } }, /retry.maxDelayMs.*smaller than.*retry.baseDelayMs/],
      [{ signal: 'x' }, /`signal` expected an AbortSignal/],
      [{ onWarning: 1 }, /`onWarning` expected a function/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => resolveSourceOptions(options as never), (err: unknown) => {
        assert.ok(isFramepipeError(err) && err.code === 'ERR_INVALID_OPTIONS');
        assert.match(err.message, message);
        return true;
      });
    }
  });
  it('hashes the cache key from the URL and the headers, not their order or case', () => {
    const a = cacheKey('http://h/v.mp4', { A: '1', b: '2' });
    assert.match(a, /^[0-9a-f]{16}$/);
    assert.equal(a, cacheKey('http://h/v.mp4', { b: '2', a: '1' }));
    assert.notEqual(a, cacheKey('http://h/v.mp4', { a: '1' }));
    assert.notEqual(a, cacheKey('http://h/w.mp4', { A: '1', b: '2' }));
  });
});

describe('resolver registry', () => {
  it('lists the built-ins in the order they are asked', () => {
    assert.deepEqual(defaultResolvers().map((r) => r.name), ['device', 'live', 'data', 'youtube', 'hls', 'http', 'bytes', 'stream', 'file']);
  });
  it('rejects unknown schemes naming the scheme and the supported ones', async () => {
    for (const input of ['ftp://host/v.mp4', 'foo:bar', new URL('gopher://h/x')]) {
      await assert.rejects(resolveSource(input), (err: unknown) => {
        assert.ok(isFramepipeError(err) && err.code === 'ERR_UNSUPPORTED_SOURCE');
        assert.match(err.message, /scheme "(ftp|foo|gopher):"/);
        assert.match(err.message, /rtsp:\/\/.*registerResolver/);
        return true;
      });
    }
    await assert.rejects(resolveSource(42 as never), code('ERR_UNSUPPORTED_SOURCE'));
    await assert.rejects(resolveSource('  '), code('ERR_INVALID_OPTIONS'));
  });
});
