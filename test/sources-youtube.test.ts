/**
 * The YouTube resolver: URL recognition and stream choice as pure functions, then the real resolver and
 * the real youtubei.js against a fake YouTube on 127.0.0.1 serving hand-made InnerTube answers
 * (test/fixtures/youtube/README.md), with format URLs pointing at a real Range-capable server that serves
 * a real MP4 — so the last test decodes frames through the whole stack. No request leaves the machine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FramepipeError, openVideo, registerResolver, resolveSource, type SourceWarning } from '../src/index.ts';
import { defaultResolvers } from '../src/sources/index.ts';
import {
  chooseYoutubeFormat,
  createYoutubeResolver,
  parseYoutubeInput,
  videoCodecOf,
  type YoutubeResolverOptions,
} from '../src/sources/youtube.ts';
import { type FormatPolicy, noSuitableFormatError, type YoutubeFormatLike } from '../src/sources/youtube/formats.ts';
import { type FakeYoutube, redirectingFetch, startFakeYoutube } from './fixtures/youtube/server.ts';
import { probeFrames } from './helpers/ffmpeg.ts';
import { startTestServer, type TestServer } from './helpers/http-server.ts';
import { fixture } from './helpers/media.ts';
import { failure } from './helpers/assertions.ts';

const ID = 'dQw4w9WgXcQ';


describe('YouTube URL recognition', () => {
  const videos = [
    `https://www.youtube.com/watch?v=${ID}`,
    `https://youtube.com/watch?v=${ID}&t=42s`,
    `http://www.youtube.com/watch?feature=share&v=${ID}`,
    `https://www.youtube.com/watch?v=${ID}&list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI&index=2`,
    `https://m.youtube.com/watch?v=${ID}`,
    `https://music.youtube.com/watch?v=${ID}&si=abc`,
    `https://youtu.be/${ID}`,
    `https://youtu.be/${ID}?t=10`,
    `https://www.youtube.com/shorts/${ID}`,
    `https://youtube.com/shorts/${ID}/?feature=share`,
    `https://www.youtube.com/live/${ID}`,
    `https://www.youtube.com/embed/${ID}?autoplay=1`,
    `https://www.youtube-nocookie.com/embed/${ID}`,
    `HTTPS://WWW.YOUTUBE.COM/watch?v=${ID}`,
    `youtube:${ID}`,
  ];
  for (const text of videos) {
    it(`reads the id from ${text}`, () => assert.deepEqual(parseYoutubeInput(text), { kind: 'video', videoId: ID }));
  }
  it('reads URL objects', () => assert.deepEqual(parseYoutubeInput(new URL(`https://youtu.be/${ID}`)), { kind: 'video', videoId: ID }));

  const others = [
    ID, // a bare id is a relative file name
    `./${ID}`,
    `/videos/${ID}.mp4`,
    `https://vimeo.com/76979871`,
    `https://www.youtube.com.evil.example/watch?v=${ID}`,
    `https://notyoutube.com/watch?v=${ID}`,
    `https://rr1---sn-abc.googlevideo.com/videoplayback?itag=18`,
    `rtsp://youtube.com/watch?v=${ID}`,
    `data:video/mp4;base64,AAAA`,
  ];
  for (const text of others) it(`does not claim ${text}`, () => assert.equal(parseYoutubeInput(text), null));
  it('does not claim bytes', () => assert.equal(parseYoutubeInput(new Uint8Array(4)), null));

  const notVideos = [
    'https://www.youtube.com/@RickAstleyYT',
    'https://www.youtube.com/playlist?list=PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI',
    'https://www.youtube.com/watch?v=short',
    'https://youtu.be/',
    'youtube:not-an-id',
  ];
  for (const text of notVideos) it(`claims but refuses ${text}`, () => assert.equal(parseYoutubeInput(text)?.kind, 'not-a-video'));

  it('is registered ahead of the HTTP resolver, and only claims YouTube', () => {
    const names = defaultResolvers().map((r) => r.name);
    assert.ok(names.indexOf('youtube') >= 0 && names.indexOf('youtube') < names.indexOf('http'), names.join(', '));
    const first = (input: string) => defaultResolvers().find((r) => r.canResolve(input))?.name;
    assert.equal(first(`https://youtu.be/${ID}`), 'youtube');
    assert.equal(first('https://cdn.example/clip.mp4'), 'http');
  });

  it('refuses a YouTube address without a video with ERR_UNSUPPORTED_SOURCE', async () => {
    const err = await failure(() => resolveSource('https://www.youtube.com/@RickAstleyYT'));
    assert.equal(err.code, 'ERR_UNSUPPORTED_SOURCE');
    assert.match(err.message, /not a YouTube video address.*youtu\.be\/ID/);
  });
});

/** A format as youtubei.js parses one; `progressive` formats go in `formats`, the rest in `adaptive_formats`. */
function format(itag: number, mime: string, width: number, height: number, extra: Partial<YoutubeFormatLike> = {}): YoutubeFormatLike {
  return { itag, mime_type: mime, width, height, fps: 30, bitrate: itag, has_video: true, url: `https://media.example/${itag}`, ...extra };
}
const H264 = 'video/mp4; codecs="avc1.4d401f"';
const VP9 = 'video/webm; codecs="vp9"';
const AV1 = 'video/mp4; codecs="av01.0.08M.08"';
const PROGRESSIVE = [
  format(18, 'video/mp4; codecs="avc1.42001E, mp4a.40.2"', 640, 360),
  format(22, 'video/mp4; codecs="avc1.64001F, mp4a.40.2"', 1280, 720),
];
const ADAPTIVE = [
  format(137, H264, 1920, 1080),
  format(248, VP9, 1920, 1080),
  format(399, AV1, 1920, 1080),
  format(313, VP9, 3840, 2160),
  format(136, H264, 1280, 720),
  format(247, VP9, 1280, 720),
  format(243, VP9, 640, 360),
  format(140, 'audio/mp4; codecs="mp4a.40.2"', 0, 0, { has_video: false, width: undefined, height: undefined }),
];
const POLICY: FormatPolicy = { maxHeight: 1080, codecs: ['h264', 'vp9', 'av1'], preferProgressive: false, canDecipher: false };
const pick = (policy: Partial<FormatPolicy>, formats = PROGRESSIVE, adaptive = ADAPTIVE) =>
  chooseYoutubeFormat({ formats, adaptive_formats: adaptive }, { ...POLICY, ...policy }).choice?.format.itag ?? null;

describe('YouTube stream choice', () => {
  it('takes the tallest stream up to maxHeight, H.264 first among equals', () => assert.equal(pick({}), 137));
  it('prefers progressive at the same height and codec', () => assert.equal(pick({ maxHeight: 720 }), 22));
  it('takes a progressive stream when it is the tallest allowed', () => assert.equal(pick({ maxHeight: 480 }), 18));
  it('follows the codec order', () => {
    assert.equal(pick({ codecs: ['vp9', 'h264'] }), 248);
    assert.equal(pick({ codecs: ['av1', 'vp9', 'h264'] }), 399);
  });
  it('never takes a codec left out of codecs', () => assert.equal(pick({ codecs: ['vp9'], maxHeight: 360 }), 243));
  it('allows 2160p when maxHeight does', () => assert.equal(pick({ maxHeight: 2160 }), 313));
  it('preferProgressive puts any progressive stream first', () => assert.equal(pick({ preferProgressive: true }), 22));
  it('compares the shorter side, so a 1080x1920 Short is 1080p', () => {
    assert.equal(pick({ maxHeight: 1080 }, [], [format(1, H264, 1080, 1920), format(2, H264, 720, 1280)]), 1);
  });
  it('breaks ties by frame rate, then bitrate', () => {
    assert.equal(pick({}, [], [format(1, H264, 1280, 720, { fps: 30 }), format(2, H264, 1280, 720, { fps: 60 })]), 2);
    assert.equal(pick({}, [], [format(5, H264, 1280, 720, { bitrate: 9 }), format(6, H264, 1280, 720, { bitrate: 3 })]), 5);
  });
  it('passes over audio, unknown codecs, OTF, DRM, missing URLs and ciphers it cannot decipher', () => {
    const cipher = { url: undefined, signature_cipher: 's=x&sp=sig&url=https%3A%2F%2Fmedia.example%2F9' };
    const adaptive = [
      format(1, 'video/mp4; codecs="hev1.1.6.L93.B0"', 1280, 720),
      format(2, H264, 1280, 720, { is_type_otf: true }),
      format(3, H264, 1280, 720, { drm_families: ['WIDEVINE'] }),
      format(4, H264, 1280, 720, { url: undefined }),
      format(5, H264, 1280, 720, cipher),
      ADAPTIVE[7] as YoutubeFormatLike,
    ];
    const { choice, offered } = chooseYoutubeFormat({ formats: [], adaptive_formats: adaptive }, POLICY);
    assert.equal(choice, null);
    assert.deepEqual(
      offered.map((f) => f.rejected?.split(' ')[0]),
      ['codec', 'segmented', 'DRM-protected', 'no', 'its', 'audio'],
    );
    assert.equal(pick({ canDecipher: true }, [], adaptive), 5);
  });
  it('reads codecs from MIME types', () => {
    assert.equal(videoCodecOf('video/mp4; codecs="avc1.64001F, mp4a.40.2"'), 'h264');
    assert.equal(videoCodecOf('video/webm; codecs="vp09.00.40.08"'), 'vp9');
    assert.equal(videoCodecOf(AV1), 'av1');
    assert.equal(videoCodecOf('video/mp4; codecs="hev1.1.6.L93.B0"'), null);
    assert.equal(videoCodecOf('audio/webm; codecs="opus"'), null);
  });
  it('explains a missing stream: ERR_UNSUPPORTED_CODEC, or ERR_UNSUPPORTED_SOURCE when only deciphering is missing', () => {
    const tooTall = chooseYoutubeFormat({ formats: [], adaptive_formats: [format(313, VP9, 3840, 2160)] }, POLICY);
    const err = noSuitableFormatError(ID, tooTall.offered, POLICY);
    assert.equal(err.code, 'ERR_UNSUPPORTED_CODEC');
    assert.match(err.message, /itag 313 video\/webm; codecs="vp9" 3840x2160: 2160p is above maxHeight 1080.*Raise `maxHeight`/);
    const ciphered = chooseYoutubeFormat(
      { formats: [format(18, H264, 640, 360, { url: undefined, cipher: 's=x' })], adaptive_formats: [] },
      POLICY,
    );
    assert.equal(noSuitableFormatError(ID, ciphered.offered, POLICY).code, 'ERR_UNSUPPORTED_SOURCE');
  });
});

describe('the YouTube resolver against a fake YouTube', () => {
  let media: TestServer;
  let youtube: FakeYoutube;
  const quick = { retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 }, timeoutMs: 2000 };

  before(async () => {
    media = await startTestServer({ body: await fixture('h264-faststart.mp4') });
    youtube = await startFakeYoutube(media.origin);
  });
  after(async () => {
    await youtube.close();
    await media.close();
  });

  /** Resolves with a fresh resolver (fresh session) and returns the itag the media server was asked for. */
  async function resolvedItag(url: string, options: YoutubeResolverOptions = {}) {
    media.resetStats();
    const resolver = createYoutubeResolver({ fetch: youtube.fetch, ...options });
    await using source = await resolveSource(url, quick, [resolver]);
    const itag = new URL(media.stats.log[0]?.path ?? '/', 'http://x').searchParams.get('itag');
    return { itag: itag === null ? null : Number(itag), source: { ...source } };
  }

  it('bootstraps a session, asks /player as ANDROID_VR, and streams the chosen itag through the HTTP resolver', async () => {
    youtube.requests.length = 0;
    const { itag, source } = await resolvedItag(`https://youtu.be/${ID}`);
    assert.equal(itag, 137);
    assert.deepEqual(
      youtube.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`),
      ['GET /sw.js_data', 'POST /youtubei/v1/config', 'POST /youtubei/v1/player'],
    );
    const body = JSON.parse(youtube.requests[2]?.body ?? '{}');
    assert.equal(body.videoId, ID);
    assert.equal(body.context.client.clientName, 'ANDROID_VR');
    assert.equal(source.kind, 'http');
    assert.equal(source.displayName, `https://www.youtube.com/watch?v=${ID}`);
    assert.match(source.url, /^http:\/\/127\.0\.0\.1:\d+\/s\//);
    assert.equal(media.stats.log[0]?.range, 'bytes=0-65535', 'the HTTP preflight reached the media URL');
  });

  it('fetches the session once per resolver', async () => {
    const resolver = createYoutubeResolver({ fetch: youtube.fetch });
    youtube.requests.length = 0;
    for (let i = 0; i < 2; i++) await (await resolveSource(`youtube:${ID}`, quick, [resolver])).close();
    assert.deepEqual(
      youtube.requests.map((r) => r.path.split('?')[0]),
      ['/sw.js_data', '/youtubei/v1/config', '/youtubei/v1/player', '/youtubei/v1/player'],
    );
  });

  it('applies maxHeight, codecs and preferProgressive', async () => {
    assert.equal((await resolvedItag(`https://www.youtube.com/watch?v=${ID}`, { maxHeight: 720 })).itag, 22);
    assert.equal((await resolvedItag(`https://m.youtube.com/watch?v=${ID}`, { maxHeight: 360, codecs: ['vp9'] })).itag, 243);
    assert.equal((await resolvedItag(`https://www.youtube.com/shorts/${ID}`, { codecs: ['av1'] })).itag, 399);
    assert.equal((await resolvedItag(`https://music.youtube.com/watch?v=${ID}`, { preferProgressive: true })).itag, 22);
  });

  it('opens a live stream through its HLS manifest, as live HLS', async () => {
    const resolver = createYoutubeResolver({ fetch: youtube.fetch });
    await using source = await resolveSource('https://www.youtube.com/live/jfKfPfyJRdk', quick, [resolver]);
    assert.equal(source.kind, 'hls');
    assert.equal(source.format, 'hls');
    assert.equal(source.isLive, true);
    assert.equal(source.reconnect.enabled, true);
    assert.ok(source.bytesRead() > 0, 'the master and media playlists were read through the source layer');
  });

  const unplayable = [
    ['Unavailable', 'ERROR', 'This video is unavailable'],
    ['PrivateVid0', 'LOGIN_REQUIRED', 'This video is private'],
    ['AgeRestrict', 'LOGIN_REQUIRED', 'Sign in to confirm your age'],
    ['NoSuchVideo', 'ERROR', 'This video is unavailable'],
  ] as const;
  for (const [id, status, reason] of unplayable) {
    it(`fails with ERR_NOT_FOUND for ${id} (${status}: ${reason})`, async () => {
      const resolver = createYoutubeResolver({ fetch: youtube.fetch });
      const err = await failure(() => resolveSource(`youtube:${id}`, quick, [resolver]));
      assert.equal(err.code, 'ERR_NOT_FOUND');
      assert.deepEqual(err.details, { videoId: id, status, reason });
      assert.ok(err.message.includes(reason), err.message);
    });
  }

  it('lists what was offered when no stream fits (ERR_UNSUPPORTED_CODEC)', async () => {
    const err = await failure(() => resolveSource('youtube:NoSuitable0', quick, [createYoutubeResolver({ fetch: youtube.fetch })]));
    assert.equal(err.code, 'ERR_UNSUPPORTED_CODEC');
    for (const itag of [313, 571, 9001, 160, 9002, 140, 251]) assert.match(err.message, new RegExp(`itag ${itag} `));
    assert.match(err.message, /hev1.*not one framepipe asks YouTube for/);
    assert.equal((err.details.offered as unknown[]).length, 7);
  });

  it('refuses URLs that need deciphering without a player (ERR_UNSUPPORTED_SOURCE), naming the fix', async () => {
    const err = await failure(() => resolveSource('youtube:CipherOnly0', quick, [createYoutubeResolver({ fetch: youtube.fetch })]));
    assert.equal(err.code, 'ERR_UNSUPPORTED_SOURCE');
    assert.match(err.message, /needs signature deciphering.*Pass `innertube`/);
  });

  it('retries InnerTube 503s with retry warnings, and fails at once on 403', async () => {
    const warnings: SourceWarning[] = [];
    youtube.setPlayer({ failures: 1, status: 503 });
    const resolver = createYoutubeResolver({ fetch: youtube.fetch });
    await (await resolveSource(`youtube:${ID}`, { ...quick, onWarning: (w) => warnings.push(w) }, [resolver])).close();
    assert.deepEqual(
      warnings.map((w) => [w.code, w.details?.status]),
      [['retry', 503]],
    );
    youtube.setPlayer({ failures: 5, status: 403 });
    youtube.requests.length = 0;
    const err = await failure(() => resolveSource(`youtube:${ID}`, quick, [resolver]));
    assert.equal(err.code, 'ERR_HTTP_STATUS');
    assert.equal(err.details.status, 403);
    assert.equal(youtube.requests.length, 1, 'a 403 is not retried');
    youtube.setPlayer({});
  });

  it('reports a silent InnerTube as ERR_TIMEOUT, and an abort as ERR_ABORTED', async () => {
    youtube.setPlayer({ stall: true });
    try {
      const resolver = createYoutubeResolver({ fetch: youtube.fetch });
      const started = performance.now();
      const err = await failure(() => resolveSource(`youtube:${ID}`, { timeoutMs: 300, retry: { retries: 0 } }, [resolver]));
      assert.equal(err.code, 'ERR_TIMEOUT');
      assert.ok(performance.now() - started < 3000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const aborted = await failure(() => resolveSource(`youtube:${ID}`, { signal: controller.signal }, [resolver]));
      assert.equal(aborted.code, 'ERR_ABORTED');
    } finally {
      youtube.setPlayer({});
    }
  });

  it('reports an unreachable InnerTube as ERR_UNREACHABLE', async () => {
    const closed = await startTestServer();
    await closed.close();
    const resolver = createYoutubeResolver({ fetch: redirectingFetch(closed.origin) });
    const err = await failure(() => resolveSource(`youtube:${ID}`, quick, [resolver]));
    assert.equal(err.code, 'ERR_UNREACHABLE');
  });

  it('uses a caller-made youtubei.js session as is', async () => {
    const { Innertube } = await import('youtubei.js');
    const innertube = await Innertube.create({ fetch: youtube.fetch, retrieve_player: false });
    const resolver = createYoutubeResolver({ innertube, maxHeight: 360 });
    await using source = await resolveSource(`youtube:${ID}`, quick, [resolver]);
    assert.equal(source.kind, 'http');
  });

  it('validates its options', () => {
    for (const bad of [{ maxHeight: 0 }, { codecs: [] }, { codecs: ['hevc'] }, { fetch: 'x' }, { client: 'NOKIA' }, { maxheight: 720 }]) {
      assert.throws(
        () => createYoutubeResolver(bad as YoutubeResolverOptions),
        (err: FramepipeError) => err.code === 'ERR_INVALID_OPTIONS',
      );
    }
  });

  it('decodes every frame of the served MP4 through openVideo, end to end', async () => {
    const unregister = registerResolver(createYoutubeResolver({ fetch: youtube.fetch }));
    try {
      await using video = await openVideo(`https://www.youtube.com/watch?v=${ID}`, { output: { width: 32, height: 24 }, source: quick });
      const got: number[] = [];
      for await (const frame of video.frames()) got.push(frame.ptsSeconds);
      const expected = await probeFrames(await fixture('h264-faststart.mp4'));
      assert.ok(expected.length > 0);
      assert.equal(got.length, expected.length);
      got.forEach((pts, i) => assert.ok(Math.abs(pts - (expected[i]?.ptsSeconds ?? Number.NaN)) < 1e-4, `pts of frame ${i}`));
    } finally {
      unregister();
    }
  });
});
