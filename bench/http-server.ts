/**
 * A minimal Range-capable static HTTP server for the benchmarks (node:http on 127.0.0.1, port 0). It serves
 * one directory read-only and counts what it really sent: every byte written to every socket (headers
 * included), so "bytes read over HTTP" is measured at the server, independently of the client's meter.
 *
 * @example
 * ```ts
 * await using server = await startRangeServer(MEDIA_DIR);
 * const url = server.url('clip.mp4');
 * server.resetCounters(); … ; server.bytesSent(); server.requests;
 * ```
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basename, join } from 'node:path';

/** A running server. */
export interface RangeServer extends AsyncDisposable {
  url(file: string): string;
  /** Bytes written to sockets since the last reset (status lines, headers and bodies). */
  bytesSent(): number;
  /** Requests since the last reset. */
  readonly requests: number;
  resetCounters(): void;
  close(): Promise<void>;
}

/** Starts a server for the files directly inside `dir` (no subdirectories, no `..`). */
export async function startRangeServer(dir: string): Promise<RangeServer> {
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  let requests = 0;
  const server = createServer(async (req, res) => {
    requests++;
    const name = basename(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const path = join(dir, name);
    const size = await stat(path).then(
      (s) => (s.isFile() ? s.size : -1),
      () => -1,
    );
    if (size < 0) return void res.writeHead(404).end();
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (m) {
      start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
      end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size || start > end) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    }
    const headers = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': String(end - start + 1) };
    res.writeHead(m ? 206 : 200, m ? { ...headers, 'content-range': `bytes ${start}-${end}/${size}` } : headers);
    if (req.method === 'HEAD') return void res.end();
    const stream = createReadStream(path, { start, end });
    stream.pipe(res);
    res.on('close', () => stream.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      closedBytes += socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let offset = 0;
  const total = () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return {
    url: (file) => `http://127.0.0.1:${port}/${encodeURIComponent(file)}`,
    bytesSent: () => total() - offset,
    get requests() {
      return requests;
    },
    resetCounters() {
      offset = total();
      requests = 0;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
