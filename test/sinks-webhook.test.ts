/** The webhook sink against a real local HTTP receiver: batches, retries, refusals, dead and stalled servers. */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, test } from 'node:test';
import type { ResultRecord } from '../src/sinks/types.ts';
import { idempotencyKey, webhookSink } from '../src/sinks/webhook.ts';
import { freePort } from './helpers/redis.ts';

/** What the receiver does with request n (0-based): a status, `stall` (never answer) or `stall-body` (500 headers, then silence). */
type Plan = (n: number) => number | 'stall' | 'stall-body';

interface Receiver {
  url: string;
  requests: { headers: IncomingHttpHeaders; body: { records: Record<string, unknown>[] } }[];
  close(): Promise<void>;
}

const open: Receiver[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function receiver(plan: Plan = () => 200): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = requests.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) }) - 1;
      const action = plan(n);
      if (action === 'stall') return;
      if (action === 'stall-body') return void res.writeHead(500, { 'content-length': '100' }).write('partial');
      res.writeHead(action, { 'content-type': 'text/plain' }).end(action === 200 ? 'ok' : `status ${action}`);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const r: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.push(r);
  return r;
}

function records(n: number): ResultRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `k${i}`,
    source: 'clip.mp4',
    index: i,
    ptsSeconds: i / 25,
    decodedAtMs: 1,
    model: 'test:embed',
    output: Float32Array.of(i, 0.5),
  }));
}

const fast = { baseDelayMs: 5, maxDelayMs: 20 };

test('POSTs { records } in batchSize chunks with JSON outputs and an Idempotency-Key', async () => {
  const r = await receiver();
  await using sink = webhookSink(r.url, { batchSize: 2, headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' } });
  await sink.write(records(5));
  assert.equal(r.requests.length, 3);
  assert.deepEqual(
    r.requests.map((q) => q.body.records.map((x) => x.key)),
    [['k0', 'k1'], ['k2', 'k3'], ['k4']],
  );
  const first = r.requests[0]!;
  assert.equal(first.headers['content-type'], 'application/json');
  assert.equal(first.headers.authorization, 'Bearer t');
  assert.equal(first.headers['idempotency-key'], idempotencyKey(['k0', 'k1']));
  assert.deepEqual(first.body.records[1], {
    key: 'k1',
    source: 'clip.mp4',
    index: 1,
    ptsSeconds: 0.04,
    decodedAtMs: 1,
    model: 'test:embed',
    output: [1, 0.5],
  });
});

test('500 twice then 200 succeeds after 3 requests with the same Idempotency-Key', async () => {
  const r = await receiver((n) => (n < 2 ? 500 : 200));
  await using sink = webhookSink(r.url, { retry: fast });
  await sink.write(records(3));
  assert.equal(r.requests.length, 3);
  assert.equal(new Set(r.requests.map((q) => q.headers['idempotency-key'])).size, 1);
});

test('429 and 408 are retried too', async () => {
  const r = await receiver((n) => [429, 408, 200][n] ?? 200);
  await using sink = webhookSink(r.url, { retry: fast });
  await sink.write(records(1));
  assert.equal(r.requests.length, 3);
});

test('400 fails at once with ERR_SINK_WRITE and the status', async () => {
  const r = await receiver(() => 400);
  await using sink = webhookSink(r.url, { retry: fast });
  await assert.rejects(sink.write(records(2)), (err: Error & { code?: string; retriable?: boolean; details?: Record<string, unknown> }) => {
    assert.equal(err.code, 'ERR_SINK_WRITE');
    assert.equal(err.retriable, false);
    assert.deepEqual(
      { status: err.details?.status, url: err.details?.url, attempts: err.details?.attempts },
      { status: 400, url: r.url, attempts: 1 },
    );
    return true;
  });
  assert.equal(r.requests.length, 1);
});

test('500 on every attempt fails after 1 + retries requests', async () => {
  const r = await receiver(() => 503);
  await using sink = webhookSink(r.url, { retry: { ...fast, retries: 2 } });
  await assert.rejects(
    sink.write(records(1)),
    (err: Error & { code?: string; details?: Record<string, unknown> }) => err.code === 'ERR_SINK_WRITE' && err.details?.status === 503,
  );
  assert.equal(r.requests.length, 3);
});

test('an unreachable port fails with ERR_SINK_WRITE after the retries', async () => {
  const url = `http://127.0.0.1:${await freePort()}/hook`;
  await using sink = webhookSink(url, { retry: { ...fast, retries: 2 } });
  const started = performance.now();
  await assert.rejects(sink.write(records(1)), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
    assert.equal(err.code, 'ERR_SINK_WRITE');
    assert.deepEqual(
      { url: err.details?.url, attempts: err.details?.attempts, cause: err.details?.cause },
      { url, attempts: 3, cause: 'ECONNREFUSED' },
    );
    return true;
  });
  assert.ok(performance.now() - started < 2000);
});

test('a stalled server fails with ERR_SINK_WRITE within about timeoutMs per attempt', async () => {
  const r = await receiver(() => 'stall');
  await using sink = webhookSink(r.url, { timeoutMs: 300, retry: { ...fast, retries: 1 } });
  const started = performance.now();
  await assert.rejects(
    sink.write(records(1)),
    (err: Error & { code?: string; details?: Record<string, unknown> }) =>
      err.code === 'ERR_SINK_WRITE' && err.details?.cause === 'timeout',
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 550 && elapsed < 1500, `elapsed ${elapsed} ms`);
  assert.equal(r.requests.length, 2);
});

test('a server that sends headers and then stalls the body cannot hang a write', async () => {
  const r = await receiver(() => 'stall-body');
  await using sink = webhookSink(r.url, { timeoutMs: 300, retry: { ...fast, retries: 0 } });
  const started = performance.now();
  await assert.rejects(sink.write(records(1)), { code: 'ERR_SINK_WRITE' });
  assert.ok(performance.now() - started < 1000);
});

test('options are checked once, at creation', () => {
  assert.throws(() => webhookSink('ftp://example.com/x'), { code: 'ERR_INVALID_OPTIONS' });
  assert.throws(
    () => webhookSink('http://127.0.0.1/x', { batchSize: 0 }),
    (err: Error & { code?: string }) => err.code === 'ERR_INVALID_OPTIONS' && /batchSize/.test(err.message),
  );
  assert.throws(() => webhookSink('http://127.0.0.1/x', { retry: { retries: -1 } }), { code: 'ERR_INVALID_OPTIONS' });
  assert.throws(() => webhookSink('http://127.0.0.1/x', { headers: { 'x-bad': 'a\nb' } }), { code: 'ERR_INVALID_OPTIONS' });
});
