/**
 * A real HTTP origin for tests (node:http on 127.0.0.1, port 0) with switchable misbehaviour: no Range
 * support, forced statuses, transient 503s, stalls, connection resets, required headers, and a directory
 * mode for HLS. It counts requests, bytes and ranges so tests can assert on what a client really did.
 *
 * @example
 * ```ts
 * await using server = await startTestServer({ body: await readFile('clip.mp4'), range: false });
 * const res = await fetch(server.url('/clip.mp4'));
 * server.stats.requests; // 1
 * ```
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** Behaviour of a {@link TestServer}; every field can be changed later with `server.set()`. */
export interface TestServerOptions {
  /** The body served for every path (ignored when `dir` is set). A string is read as a file path. */
  body?: Buffer | string;
  /** Serve the files of this directory by URL path (e.g. an HLS playlist and its segments). */
  dir?: string;
  /** Honour `Range` (206, Content-Range, Accept-Ranges, 416). false: ignore Range, always 200 with the full body and no Accept-Ranges. Default true. */
  range?: boolean;
  /** Answer every request with this status and a short text body (e.g. 404, 500). Default: none. */
  status?: number;
  /** The first `failFirst` requests answer `failStatus`, later ones are served normally. Default 0. */
  failFirst?: number;
  /** Status used by `failFirst`. Default 503. */
  failStatus?: number;
  /** Stop sending at this byte offset of the resource and keep the socket open, silent. Default: never. */
  stallAfterBytes?: number;
  /** `once`: only the first response that reaches the offset stalls; `always`: every one. Default `always`. */
  stallMode?: 'once' | 'always';
  /** Destroy the socket after sending up to this byte offset of the resource. Default: never. */
  resetAfterBytes?: number;
  /** `once`: only the first response that reaches the offset is cut; `always`: every one. Default `once`. */
  resetMode?: 'once' | 'always';
  /**
   * Stalls and resets spare the first `n` requests (e.g. 1 spares the preflight of a resolver, so the
   * fault hits the transfer that follows). Default 0.
   */
  faultsAfterRequests?: number;
  /** Answer 401 unless every one of these headers is present with exactly this value (names case-insensitive). */
  headersRequired?: Record<string, string>;
  /** Content-Type for `body`. Default `video/mp4`; in `dir` mode it follows the file extension. */
  contentType?: string;
  /** Wait this long before sending the status line and headers (a slow or hung server). Default 0. */
  delayHeadersMs?: number;
}

/** One request as the server saw it. */
export interface RequestRecord {
  method: string;
  path: string;
  /** The `Range` header, or null. */
  range: string | null;
  headers: IncomingHttpHeaders;
}

/** Counters since start or the last `resetStats()`. */
export interface TestServerStats {
  /** Requests received (including failed, stalled and reset ones). */
  requests: number;
  /** Body bytes written to sockets. */
  bytesSent: number;
  /** The `Range` header of each request in order (null when absent). */
  ranges: (string | null)[];
  /** Every request in order. */
  log: RequestRecord[];
}

/** A running test server. */
export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  /** The absolute URL for a path, e.g. `server.url('/v.mp4?x=1')`. */
  url(path?: string): string;
  readonly stats: TestServerStats;
  /**
   * Changes behaviour; unspecified fields keep their values (pass `undefined` to clear one). Await it when
   * `body` is a file path, which is read before the change applies.
   */
  set(options: TestServerOptions): Promise<void>;
  /** Zeroes the counters and re-arms `failFirst` and the `once` stall/reset. */
  resetStats(): void;
  /** Closes the server and destroys every socket, stalled ones included. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.webm': 'video/webm',
};

/** Starts a test server; see {@link TestServerOptions}. */
export async function startTestServer(initial: TestServerOptions = {}): Promise<TestServer> {
  const server = new MisbehavingServer(initial, await loadBody(initial.body));
  await server.listen();
  return server;
}

/** The implementation behind {@link startTestServer}; state is private, behaviour switchable via `set()`. */
class MisbehavingServer implements TestServer {
  readonly stats: TestServerStats = { requests: 0, bytesSent: 0, ranges: [], log: [] };
  origin = '';
  port = 0;
  #options: TestServerOptions;
  #body: Buffer | null;
  #state = { failed: 0, stalled: false, reset: false };
  #closed: Promise<void> | null = null;
  #sockets = new Set<Socket>();
  #pendingDelays = new Set<() => void>();
  #server = createServer((req, res) => {
    void this.#handle(req, res).catch(() => res.destroy());
  });

  constructor(options: TestServerOptions, body: Buffer | null) {
    this.#options = { ...options };
    this.#body = body;
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    this.origin = `http://127.0.0.1:${this.port}`;
  }

  url(path = '/'): string {
    return this.origin + path;
  }

  async set(next: TestServerOptions): Promise<void> {
    if ('body' in next) this.#body = await loadBody(next.body);
    this.#options = { ...this.#options, ...next };
  }

  resetStats(): void {
    Object.assign(this.stats, { requests: 0, bytesSent: 0, ranges: [], log: [] });
    this.#state = { failed: 0, stalled: false, reset: false };
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      for (const socket of this.#sockets) socket.destroy();
      for (const done of this.#pendingDelays) done();
    });
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** A wait that close() cuts short, so a "hung" server never keeps the test process alive. */
  #delay(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#pendingDelays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#pendingDelays.add(done);
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const options = this.#options;
    const range = req.headers.range ?? null;
    this.stats.requests++;
    this.stats.ranges.push(range);
    this.stats.log.push({ method: req.method ?? 'GET', path: req.url ?? '/', range, headers: req.headers });
    if (options.delayHeadersMs) await this.#delay(options.delayHeadersMs);
    if (res.destroyed || this.#closed) return;
    if (options.status) return void res.writeHead(options.status, { 'content-type': 'text/plain' }).end(`forced ${options.status}\n`);
    if (this.#state.failed < (options.failFirst ?? 0)) {
      this.#state.failed++;
      return void res.writeHead(options.failStatus ?? 503, { 'content-type': 'text/plain' }).end('try again\n');
    }
    if (!hasRequiredHeaders(req.headers, options.headersRequired)) return void res.writeHead(401).end('missing header\n');
    const resource = await this.#resourceFor(req.url ?? '/');
    if (!resource) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    this.#serve(req, res, resource.bytes, resource.type, this.stats.requests > (options.faultsAfterRequests ?? 0));
  }

  async #resourceFor(rawPath: string): Promise<{ bytes: Buffer; type: string } | null> {
    const { dir, contentType } = this.#options;
    if (!dir) return this.#body ? { bytes: this.#body, type: contentType ?? 'video/mp4' } : null;
    const path = decodeURIComponent(new URL(rawPath, 'http://x').pathname);
    const full = normalize(join(dir, path));
    if (!full.startsWith(normalize(dir) + sep)) return null;
    const bytes = await readFile(full).catch(() => null);
    return bytes ? { bytes, type: TYPES[extname(full)] ?? 'application/octet-stream' } : null;
  }

  #serve(req: IncomingMessage, res: ServerResponse, bytes: Buffer, type: string, faults: boolean): void {
    const ranged = this.#options.range !== false;
    const size = bytes.byteLength;
    const span = ranged ? parseRange(req.headers.range, size) : null;
    if (span === 'unsatisfiable') return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    const { start, end } = span ?? { start: 0, end: size - 1 };
    const headers: Record<string, string> = { 'content-type': type, 'content-length': String(end - start + 1) };
    if (ranged) headers['accept-ranges'] = 'bytes';
    if (span) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(span ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    this.#sendBody(res, bytes.subarray(0, end + 1), start, faults);
  }

  /** Writes bytes from `start` to the end of `bytes`, honouring the stall and reset offsets. */
  #sendBody(res: ServerResponse, bytes: Buffer, start: number, faults: boolean): void {
    const { stallAfterBytes, resetAfterBytes, stallMode, resetMode } = this.#options;
    const within = (offset: number | undefined): offset is number =>
      faults && offset !== undefined && offset >= start && offset < bytes.byteLength;
    const stall = within(stallAfterBytes) && !(stallMode === 'once' && this.#state.stalled);
    const reset = !stall && within(resetAfterBytes) && !(resetMode !== 'always' && this.#state.reset);
    const cut = stall ? (stallAfterBytes as number) : reset ? (resetAfterBytes as number) : bytes.byteLength;
    if (stall) this.#state.stalled = true;
    if (reset) this.#state.reset = true;
    const data = bytes.subarray(start, cut);
    this.stats.bytesSent += data.byteLength;
    if (stall) return void res.write(data);
    if (reset) return void res.write(data, () => res.socket?.destroy());
    res.end(data);
  }
}

async function loadBody(body: Buffer | string | undefined): Promise<Buffer | null> {
  if (body === undefined) return null;
  return typeof body === 'string' ? readFile(body) : body;
}

function hasRequiredHeaders(headers: IncomingHttpHeaders, required: Record<string, string> | undefined): boolean {
  return Object.entries(required ?? {}).every(([name, value]) => headers[name.toLowerCase()] === value);
}

/** Single-range parsing, written independently of the library's so the two check each other. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const n = Number(match[2]);
    return n === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(match[1]);
  if (start >= size) return 'unsatisfiable';
  return { start, end: match[2] === '' ? size - 1 : Math.min(size - 1, Number(match[2])) };
}

/**
 * A synthetic ISO-BMFF file for sniffing tests (not decodable): `ftyp`, then `moov` and `mdat` in the
 * requested order, the `mdat` filled with deterministic pseudo-random bytes so that any corruption or
 * reordering in transit shows up in a byte comparison.
 *
 * @param moov where the index goes: `front` (ftyp, moov, mdat) or `end` (ftyp, mdat, moov).
 * @param mdatBytes payload size of the mdat box.
 * @example
 * ```ts
 * const mp4 = syntheticMp4('end', 300_000);
 * ```
 */
export function syntheticMp4(moov: 'front' | 'end', mdatBytes: number): Buffer {
  const box = (type: string, payload: Buffer) => {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(8 + payload.byteLength, 0);
    header.write(type, 4, 'latin1');
    return Buffer.concat([header, payload]);
  };
  const ftyp = box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2avc1mp41', 'latin1'));
  const moovBox = box('moov', box('mvhd', Buffer.alloc(100)));
  const mdat = box('mdat', pseudoRandomBytes(mdatBytes, 1));
  return Buffer.concat(moov === 'front' ? [ftyp, moovBox, mdat] : [ftyp, mdat, moovBox]);
}

/**
 * Deterministic pseudo-random bytes (xorshift32), the same for the same `seed`.
 *
 * @example
 * ```ts
 * pseudoRandomBytes(4, 7).equals(pseudoRandomBytes(4, 7)); // true
 * ```
 */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
