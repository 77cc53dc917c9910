/**
 * extract(): many sources, one model, batches across sources, failures isolated, results as they come,
 * progress with the seed's reset/update semantics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineModel, extract, type FramepipeError, type ExtractEvent, type ModelBatch, type ResultRecord } from '../src/index.ts';
import { fixture } from './helpers/media.ts';

const INPUT = { width: 16, height: 16, layout: 'hwc', dtype: 'uint8' } as const;

function recordingModel(delayMs = 0) {
  const batches: ModelBatch[] = [];
  const model = defineModel(
    async (batch) => {
      batches.push(batch);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      const size = batch.data.length / batch.frames.length;
      return batch.frames.map((_, i) => {
        let sum = 0;
        for (let j = i * size; j < (i + 1) * size; j++) sum += batch.data[j] as number;
        return sum / size;
      });
    },
    INPUT,
    'test:mean',
  );
  return { model, batches };
}

function collect() {
  const records: ResultRecord<number>[] = [];
  return { records, sink: { name: 'memory', write: async (r: readonly ResultRecord<number>[]) => void records.push(...r), close: async () => {} } };
}

describe('extract', () => {
  it('batches frames from several sources together, one output per frame, no empty batch', async () => {
    const [a, b] = await Promise.all([fixture('h264-bframes.mp4'), fixture('vp9.webm')]);
    const { model, batches } = recordingModel();
    const { records, sink } = collect();
    const summary = await extract({ sources: [a, { id: 'second', input: b }], model, sampling: { every: 10 }, batchSize: 4, sink });
    // 90 frames every 10 → 9; 60 frames every 10 → 6.
    assert.equal(summary.framesProcessed, 15);
    assert.equal(records.length, 15);
    assert.ok(batches.every((batch) => batch.frames.length >= 1 && batch.frames.length <= 4));
    assert.deepEqual(batches.map((batch) => batch.shape.slice(1)), batches.map(() => [16, 16, 3]));
    assert.ok(batches.some((batch) => new Set(batch.frames.map((f) => f.source)).size === 2), 'some batch mixes both sources');
    assert.deepEqual(records.filter((r) => r.source === 'second').map((r) => r.index), [0, 10, 20, 30, 40, 50]);
    assert.equal(new Set(records.map((r) => r.key)).size, 15, 'keys are unique');
    assert.ok(records.every((r) => r.model === 'test:mean' && typeof r.output === 'number'));
    assert.deepEqual(summary.sources.map((s) => [s.id, s.status, s.frames]), [[a, 'done', 9], ['second', 'done', 6]]);
  });

  it('records a broken source with its code while the others finish', async () => {
    const good = await fixture('h264-bframes.mp4');
    const { model } = recordingModel();
    const { records, sink } = collect();
    const events: ExtractEvent[] = [];
    const summary = await extract({ sources: ['/nonexistent.mp4', await fixture('not-a-video.mp4'), good], model, sampling: { count: 5 }, sink, onEvent: (e) => events.push(e), concurrency: 3 });
    assert.deepEqual(summary.sources.map((s) => [s.status, s.error?.code ?? null]).sort(), [['done', null], ['failed', 'ERR_NOT_A_VIDEO'], ['failed', 'ERR_NOT_FOUND']]);
    assert.equal(records.length, 5);
    assert.equal(events.filter((e) => e.type === 'source-failed').length, 2);
  });

  it('reset(total) counts frames that will be processed; update ends at total', async () => {
    const { model } = recordingModel();
    const calls: string[] = [];
    await extract({ sources: [await fixture('h264-bframes.mp4')], model, sampling: { every: 30 }, batchSize: 2, progress: { reset: (t) => calls.push(`reset ${t}`), update: (c) => calls.push(`update ${c}`) } });
    assert.deepEqual(calls, ['reset 3', 'update 2', 'update 3']);
  });

  it('the same run twice gives the same keys (idempotent sinks can skip them)', async () => {
    const path = await fixture('h264-bframes.mp4');
    const keys: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const { records, sink } = collect();
      await extract({ sources: [path], model: recordingModel().model, sampling: { count: 3 }, sink });
      keys.push(records.map((r) => r.key));
    }
    assert.deepEqual(keys[0], keys[1]);
  });

  it('a failing model stops the run with ERR_MODEL_RUN; a wrong output count too', async () => {
    const path = await fixture('h264-bframes.mp4');
    const broken = defineModel(async () => {
      throw new Error('boom');
    }, INPUT);
    await assert.rejects(extract({ sources: [path], model: broken, sampling: { count: 2 } }), (e: FramepipeError) => e.code === 'ERR_MODEL_RUN' && /boom/.test(e.message));
    const short = defineModel(async () => [1], INPUT);
    await assert.rejects(extract({ sources: [path], model: short, sampling: { count: 4 }, batchSize: 4 }), (e: FramepipeError) => e.code === 'ERR_MODEL_RUN' && /one per frame/.test(e.message));
  });

  it('abort stops decoding and the model; results written so far stay', async () => {
    const controller = new AbortController();
    const { model } = recordingModel(50);
    const { records, sink } = collect();
    const run = extract({ sources: [await fixture('h264-bframes.mp4')], model, batchSize: 2, sink, signal: controller.signal, onEvent: (e) => e.type === 'batch-done' && e.processed >= 4 && controller.abort() });
    await assert.rejects(run, (e: FramepipeError) => e.code === 'ERR_ABORTED');
    assert.ok(records.length >= 4 && records.length < 90, `${records.length} records`);
  });

  it('rejects bad options naming them', async () => {
    const { model } = recordingModel();
    await assert.rejects(extract({ sources: [], model }), (e: FramepipeError) => e.code === 'ERR_INVALID_OPTIONS' && /sources/.test(e.message));
    await assert.rejects(extract({ sources: ['a.mp4'], model, batchSize: 0 }), (e: FramepipeError) => /batchSize/.test(e.message));
    await assert.rejects(extract({ sources: ['a.mp4'], model: (async () => []) as never }), (e: FramepipeError) => /modelInput/.test(e.message));
  });
});
