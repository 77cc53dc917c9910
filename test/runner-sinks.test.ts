/**
 * Pipeline results through real sinks: a JSONL file, a webhook to a loopback HTTP server and a Redis
 * stream on a real redis-server, all fed by one offline run; a re-run adds no duplicates.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createPipeline, type Frame, jsonlSink, redisSink, webhookSink } from '../src/index.ts';
import { makeMedia } from './helpers/media.ts';
import { startRedis, type TestRedis } from './helpers/redis.ts';

let dir = '';
let redis: TestRedis;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'framepipe-runner-sinks-'));
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

function clip(): Promise<string> {
  return makeMedia('runner-sinks-25fps.mp4', [
    '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=25:duration=2', '-c:v', 'libx264', '-g', '25', '-pix_fmt', 'yuv420p',
  ]);
}

describe('pipeline sinks', () => {
  it('writes every result to JSONL, a webhook and a Redis stream, without duplicates on a re-run', async () => {
    const posted: { records: { model: string; index: number; output: unknown }[] }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        posted.push(JSON.parse(body) as (typeof posted)[number]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const stream = `runner-${Date.now()}`;
    const jsonl = join(dir, 'results.jsonl');
    const run = async () => createPipeline({
      source: await clip(),
      sourceId: 'clip',
      algorithms: [
        { name: 'index', algorithm: { run: (f: readonly Frame[]) => f[0]?.index }, intervalSeconds: 0.5 },
        { name: 'pair', algorithm: { run: (f: readonly Frame[]) => f.map((x) => x.index) }, frameCount: 2, intervalSeconds: 1 },
      ],
      sinks: [jsonlSink(jsonl), webhookSink(`http://127.0.0.1:${port}/results`), redisSink(`${redis.url}#${stream}`)],
    }).run();
    try {
      const report = await run();
      assert.equal(report.algorithms.index?.completed, 4);
      assert.equal(report.algorithms.pair?.completed, 2);
      const lines = (await readFile(jsonl, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { model: string; index: number; output: unknown; source: string });
      assert.deepEqual(lines.map((l) => [l.model, l.index, l.output]), [
        ['index', 0, 0], ['pair', 1, [0, 1]], ['index', 13, 13], ['index', 25, 25], ['pair', 25, [24, 25]], ['index', 38, 38],
      ]);
      assert.ok(lines.every((l) => l.source === 'clip'));
      assert.equal(posted.flatMap((p) => p.records).length, 6);
      const client = new Redis(redis.url);
      try {
        assert.equal(await client.xlen(stream), 6);
        await run();
        assert.equal(await client.xlen(stream), 6, 're-run adds no entries');
      } finally {
        client.disconnect();
      }
      assert.equal((await readFile(jsonl, 'utf8')).trim().split('\n').length, 6, 're-run adds no lines');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
