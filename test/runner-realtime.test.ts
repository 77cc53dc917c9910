/**
 * Realtime pipelines: a file played at its own pace and a paced live source (an FFmpeg producer encoding in
 * real time) with deliberately slow algorithms. Playback must not wait for them: every due time is either
 * fired or dropped with a cause, the buffer never exceeds its bound, latencies are measured, and pause and
 * stop work, also while the live source is reconnecting.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { type AlgorithmReport, createPipeline, type Frame, type Pipeline, type PipelineEvent, type PipelineOptions } from '../src/index.ts';
import { freePort, Producer, whenUp } from './helpers/live.ts';
import { makeMedia } from './helpers/media.ts';

function clip(): Promise<string> {
  return makeMedia('runner-rt-25fps.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25:duration=2', '-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p',
  ]);
}

/** An algorithm that takes `ms` per window without blocking the event loop. */
function slow(ms: number) {
  return { run: async (frames: readonly Frame[]) => { await sleep(ms); return frames.at(-1)?.index; } };
}

/** Every due time is either fired or dropped (buffer-overflow counts frames, not due times). */
function dueTimesAccounted(a: AlgorithmReport): number {
  return a.fired + a.dropped.busy + a.dropped.evicted + a.dropped.skipped + a.dropped['warming-up'];
}

describe('realtime pipeline over a file', () => {
  it('plays at the file\u2019s pace, never waits for a slow algorithm, and accounts for every due time', async () => {
    const path = await clip();
    let beforeFirstResult = 0;
    let resultSeen = false;
    const report = await createPipeline({
      source: path,
      mode: 'realtime',
      bufferFrames: 4,
      algorithms: [
        { name: 'slow', algorithm: slow(150), intervalSeconds: 0.04 },
        { name: 'fast', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.2 },
      ],
      onFrame: () => {
        if (!resultSeen) beforeFirstResult += 1;
      },
      onEvent: (e) => {
        if (e.type === 'result' && e.algorithm === 'slow') resultSeen = true;
      },
    }).run();
    assert.equal(report.framesPlayed, 50);
    assert.ok(report.wallMs >= 1800, `a 2 s file plays for about 2 s, took ${report.wallMs} ms`);
    assert.ok(beforeFirstResult >= 3, `playback went on while the slow algorithm ran (${beforeFirstResult} frames before its first result)`);
    const s = report.algorithms.slow as AlgorithmReport;
    assert.equal(dueTimesAccounted(s), 50);
    assert.ok(s.dropped.busy > 20, `busy drops: ${s.dropped.busy}`);
    assert.equal(s.completed, s.fired);
    assert.ok((s.latency.p99Ms ?? 0) >= 150);
    const f = report.algorithms.fast as AlgorithmReport;
    assert.equal(f.fired, 10);
    assert.equal(f.completed, 10);
    assert.ok(report.peakBufferedFrames <= 4);
  });

  it('plays faster with speed 4 and still fires on media time', async () => {
    const path = await clip();
    const report = await createPipeline({
      source: path, mode: 'realtime', speed: 4,
      algorithms: [{ name: 'idx', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.5 }],
    }).run();
    assert.equal(report.algorithms.idx?.fired, 4);
    assert.ok(report.wallMs >= 400, `2 s at 4× takes about 0.5 s, took ${report.wallMs} ms`);
  });

  it('pauses and resumes a file: the clock stops and nothing is dropped for the pause', async () => {
    const path = await clip();
    let pipeline: Pipeline | null = null;
    const states: string[] = [];
    pipeline = createPipeline({
      source: path, mode: 'realtime',
      algorithms: [{ name: 'idx', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.04 }],
      onFrame: (frame) => {
        if (frame.index === 10) {
          pipeline?.pause();
          setTimeout(() => pipeline?.resume(), 500);
        }
      },
      onEvent: (e) => {
        if (e.type === 'state') states.push(e.state);
      },
    });
    const report = await pipeline.run();
    assert.deepEqual(states, ['running', 'paused', 'running', 'stopping', 'stopped']);
    assert.equal(report.framesPlayed, 50);
    assert.equal(report.algorithms.idx?.fired, 50);
    assert.ok(report.wallMs >= 2300, `2 s + 0.5 s pause, took ${report.wallMs} ms`);
    // Had the clock not stopped, every frame after the pause (about 40) would be late.
    assert.ok(report.framesLate < 10, `late frames: ${report.framesLate}`);
  });
});

describe('realtime lateness', () => {
  /** A hook that holds the main thread for 300 ms at frame 10, as a long synchronous step would. */
  const stall = (frame: Frame) => {
    if (frame.index !== 10) return;
    const until = Date.now() + 300;
    while (Date.now() < until);
  };

  it('without a limit, frames behind the clock are played late and counted', async () => {
    const report = await createPipeline({
      source: await clip(), mode: 'realtime', onFrame: stall,
      algorithms: [{ name: 'idx', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.04 }],
    }).run();
    assert.equal(report.framesPlayed, 50);
    assert.ok(report.framesLate >= 5, `late: ${report.framesLate}`);
    assert.equal(report.framesSkipped.late, 0);
  });

  it('with maxLatenessMs, frames too far behind are dropped (counted) and playback catches up', async () => {
    const report = await createPipeline({
      source: await clip(), mode: 'realtime', onFrame: stall, maxLatenessMs: 80,
      algorithms: [{ name: 'idx', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.04 }],
    }).run();
    assert.ok(report.framesSkipped.late >= 4, `dropped late: ${report.framesSkipped.late}`);
    assert.equal(report.framesPlayed + report.framesSkipped.late, 50);
    assert.ok(report.framesLate <= 3, `played late: ${report.framesLate}`);
    // The due times of the dropped frames are reported as skipped, not lost.
    const a = report.algorithms.idx as AlgorithmReport;
    assert.equal(a.fired + a.dropped.skipped, 50);
  });

  it('rejects maxLatenessMs offline', () => {
    assert.throws(() => createPipeline({ source: 'x.mp4', maxLatenessMs: 10, algorithms: [{ name: 'a', algorithm: { run: () => 1 }, intervalSeconds: 1 }] }),
      /maxLatenessMs applies to mode 'realtime'/);
  });
});

describe('realtime pipeline over a paced live source', () => {
  /** Starts a pipeline on a live producer, retrying the open until the producer listens. */
  async function live(options: Omit<PipelineOptions, 'source'>, act: (p: Pipeline, producer: { restart(): Promise<void>; kill(): Promise<void> }) => void) {
    const port = await freePort();
    let producer = new Producer(port).start();
    const control = {
      kill: () => producer.kill(),
      restart: async () => {
        await producer.kill();
        producer = new Producer(port).start();
      },
    };
    try {
      return await whenUp(async () => {
        const pipeline = createPipeline({
          ...options,
          source: producer.url,
          mode: 'realtime',
          open: { source: { timeoutMs: 1000, reconnect: { baseDelayMs: 100, maxDelayMs: 300, maxAttempts: 50 } }, ...options.open },
        });
        act(pipeline, control);
        const report = await pipeline.run();
        return { report, pipeline };
      });
    } finally {
      await producer.kill();
    }
  }

  it('keeps up with a live stream while a slow model drops windows, with bounded memory and measured latency', async () => {
    let played = 0;
    const { report } = await live({
      bufferFrames: 8,
      algorithms: [{ name: 'slow', algorithm: slow(200), frameCount: 2, intervalSeconds: 0.04 }],
      onFrame: () => void (played += 1),
    }, (pipeline) => {
      const stopAt = setInterval(() => {
        if (played >= 50) {
          clearInterval(stopAt);
          void pipeline.stop();
        }
      }, 20);
    });
    assert.equal(report.reason, 'stopped');
    assert.ok(report.framesPlayed >= 50);
    const s = report.algorithms.slow as AlgorithmReport;
    assert.ok(s.dropped.busy > 20, `busy drops: ${s.dropped.busy}`);
    assert.ok(s.completed >= 3 && s.completed <= s.fired);
    assert.ok((s.latency.p99Ms ?? 0) >= 200, `p99 ${s.latency.p99Ms}`);
    assert.ok(report.peakBufferedFrames <= 8);
  });

  it('discards live frames while paused (counted), and plays again on resume', async () => {
    let played = 0;
    let pausedAt = -1;
    const { report } = await live({
      algorithms: [{ name: 'idx', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.2 }],
      onFrame: () => void (played += 1),
    }, (pipeline) => {
      const tick = setInterval(() => {
        if (played >= 10 && pausedAt < 0) {
          pausedAt = played;
          pipeline.pause();
          setTimeout(() => pipeline.resume(), 600);
        }
        if (played >= pausedAt + 10 && pausedAt >= 0) {
          clearInterval(tick);
          void pipeline.stop();
        }
      }, 10);
    });
    assert.equal(report.reason, 'stopped');
    assert.ok(report.framesSkipped.paused >= 8, `discarded while paused: ${report.framesSkipped.paused}`);
    assert.ok(report.framesPlayed >= 20);
  });

  it('stops promptly while the source is reconnecting, and pause/resume work meanwhile', async () => {
    let played = 0;
    const events: PipelineEvent[] = [];
    let stoppedIn = -1;
    const { report, pipeline } = await live({
      algorithms: [{ name: 'idx', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.2 }],
      onFrame: () => void (played += 1),
      onEvent: (e) => events.push(e),
    }, (p, producer) => {
      const tick = setInterval(() => {
        if (played < 10) return;
        clearInterval(tick);
        // The producer goes away and does not come back: the decoder keeps reconnecting.
        void producer.kill().then(async () => {
          await sleep(800);
          assert.equal(p.pause(), true);
          assert.equal(p.state, 'paused');
          assert.equal(p.resume(), true);
          const t0 = Date.now();
          await p.stop();
          stoppedIn = Date.now() - t0;
        });
      }, 10);
    });
    assert.equal(report.reason, 'stopped');
    assert.equal(pipeline.state, 'stopped');
    assert.ok(stoppedIn >= 0 && stoppedIn < 3000, `stop took ${stoppedIn} ms`);
    assert.ok(events.some((e) => e.type === 'warning' && e.code === 'reconnect'), 'the reconnect is reported as a warning event');
  });
});
