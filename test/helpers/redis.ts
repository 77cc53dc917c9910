/**
 * A real, throw-away Redis for tests: `redis-server` on 127.0.0.1 and a free port, in a temp directory, with
 * persistence off (`--save '' --appendonly no`). Stopped (and its directory removed) by `stop()`. When
 * `redis-server` is not installed the start fails with a message saying how to install it; tests never skip.
 *
 * @example
 * ```ts
 * await using redis = await startRedis();
 * const sink = redisSink(redis.url);
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running Redis. */
export interface TestRedis extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/** A TCP port that was free a moment ago (Redis cannot listen on port 0 and report it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits for "Ready to accept connections"; rejects with the server's output when it exits first. */
function ready(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => fail(new Error(`redis-server on port ${port} was not ready within ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      if (output.length < 64_000) output += chunk.toString();
      if (/ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'ENOENT'
          ? 'redis-server is not installed; install it (apt-get install -y redis-server — .ci/run does) to run the Redis tests'
          : err.message;
      fail(new Error(hint, { cause: err }));
    });
    child.once('exit', (code) => fail(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`)));
  });
}

async function startOnce(dir: string): Promise<TestRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await ready(child, port);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    })());
  return { url: `redis://127.0.0.1:${port}`, port, stop, [Symbol.asyncDispose]: stop };
}

/** Starts a Redis; retries on a new port when another process took the chosen one in between. */
export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'framepipe-redis-'));
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(dir);
    } catch (err) {
      const portTaken = /address already in use/i.test((err as Error).message);
      if (!portTaken || attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}
