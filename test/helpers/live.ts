/**
 * A real-time live source for tests and benchmarks: an FFmpeg process encodes a test pattern in real time
 * (`-re`) as H.264/MPEG-TS and serves it on `tcp://127.0.0.1:PORT` (`-listen 1`: it accepts one client,
 * then streams to it). Killing it and starting a new one on the same port exercises reconnects.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { type FramepipeError, type OpenVideoOptions, openVideo, type Video } from '../../src/index.ts';

/** A port on 127.0.0.1 that nothing listens on right now (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Picture of a {@link Producer}. */
export interface ProducerOptions {
  /** Test pattern size. Default `160x120`. */
  size?: string;
  /** Test pattern rate. Default 25. */
  fps?: number;
  /** Instead of encoding a pattern, stream-copy this MPEG-TS file in a loop (paced, nearly free). */
  copyFrom?: string;
}

/** A real-time H.264/MPEG-TS producer listening for one client on `port`. */
export class Producer {
  readonly #port: number;
  readonly #size: string;
  readonly #fps: number;
  readonly #copyFrom: string | undefined;
  #child: ChildProcess | null = null;
  stderr = '';

  constructor(port: number, options: ProducerOptions = {}) {
    this.#port = port;
    this.#size = options.size ?? '160x120';
    this.#fps = options.fps ?? 25;
    this.#copyFrom = options.copyFrom;
  }

  /** The URL clients open. */
  get url(): string {
    return `tcp://127.0.0.1:${this.#port}`;
  }

  start(): this {
    const fps = String(this.#fps);
    const input = this.#copyFrom === undefined
      ? ['-f', 'lavfi', '-i', `testsrc2=size=${this.#size}:rate=${fps}`,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', fps, '-pix_fmt', 'yuv420p']
      : ['-stream_loop', '-1', '-i', this.#copyFrom, '-c', 'copy'];
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', ...input, '-f', 'mpegts', '-listen', '1', this.url];
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
    });
    this.#child = child;
    return this;
  }

  /** SIGKILLs the process (the client sees the connection drop) and waits for it to exit. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Runs `attempt` until it stops failing with ERR_UNREACHABLE: `-listen 1` accepts a single client, so
 * readiness cannot be probed with a test connection; a refused open is simply tried again.
 */
export async function whenUp<T>(attempt: () => Promise<T>, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if ((err as FramepipeError).code !== 'ERR_UNREACHABLE' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Opens the live URL once the producer listens. */
export function openWhenUp(url: string, options: OpenVideoOptions, deadlineMs = 10_000): Promise<Video> {
  return whenUp(() => openVideo(url, options), deadlineMs);
}
