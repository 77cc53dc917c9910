/**
 * The per-process loopback server that FFmpeg talks to for proxied HTTP/HLS sources and in-memory bytes.
 * Started on first use (127.0.0.1, port 0, unref'd so it never keeps the process alive) and closed when
 * the last route is released. Route ids are 64 random bits, so other local users cannot guess a route.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves the requests under one route: `/<prefix>/<id>/<rest>`. */
export interface RouteHandler {
  /** URL prefixes this handler answers, e.g. `['s', 'x']`. */
  readonly prefixes: readonly string[];
  /** `rest` is the path after the id, with its query string, always starting with `/`. */
  handle(req: IncomingMessage, res: ServerResponse, prefix: string, rest: string): void;
  /** Called on release: stop in-flight responses of this route. */
  stop?(): void;
}

/** A registered route; `release()` is idempotent. */
export interface RouteRegistration {
  id: string;
  /** `http://127.0.0.1:<port>` of the server that serves this route. */
  origin: string;
  release(): Promise<void>;
}

const routes = new Map<string, RouteHandler>();
let server: Server | null = null;
let listening: Promise<string> | null = null;
let closing: Promise<void> | null = null;

/**
 * Registers a handler and returns its id and the server origin, starting the server when needed.
 *
 * @example
 * ```ts
 * const route = await registerRoute({ prefixes: ['m'], handle: (req, res) => res.end('hi') });
 * const url = `${route.origin}/m/${route.id}/`;
 * await route.release();
 * ```
 */
export async function registerRoute(handler: RouteHandler): Promise<RouteRegistration> {
  const id = randomBytes(8).toString('hex');
  // Registered before awaiting the server, so a concurrent release of the last other route cannot close it.
  routes.set(id, handler);
  let origin: string;
  try {
    origin = await ensureListening();
  } catch (err) {
    routes.delete(id);
    throw err;
  }
  let released: Promise<void> | null = null;
  const release = () => {
    released ??= releaseRoute(id);
    return released;
  };
  return { id, origin, release };
}

/** How many routes are registered (for tests and diagnostics). */
export function activeRouteCount(): number {
  return routes.size;
}

/** True while the loopback server is started (for tests and diagnostics). */
export function isLoopbackListening(): boolean {
  return server !== null;
}

async function releaseRoute(id: string): Promise<void> {
  const handler = routes.get(id);
  routes.delete(id);
  handler?.stop?.();
  if (routes.size === 0 && server) await closeServer();
}

async function ensureListening(): Promise<string> {
  if (closing) await closing;
  listening ??= startServer().catch((err: unknown) => {
    listening = null;
    throw err;
  });
  return listening;
}

function startServer(): Promise<string> {
  const created = createServer({ requestTimeout: 0, keepAliveTimeout: 5_000 }, dispatch);
  server = created;
  return new Promise((resolve, reject) => {
    created.once('error', (err) => {
      if (server === created) server = null;
      reject(err);
    });
    created.listen(0, '127.0.0.1', () => {
      created.unref();
      const { port } = created.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function closeServer(): Promise<void> {
  const closingServer = server;
  if (!closingServer) return Promise.resolve();
  server = null;
  listening = null;
  closing = new Promise<void>((resolve) => {
    closingServer.close(() => resolve());
    closingServer.closeAllConnections();
  }).finally(() => {
    closing = null;
  });
  return closing;
}

function dispatch(req: IncomingMessage, res: ServerResponse): void {
  const match = /^\/([a-z]+)\/([0-9a-f]{16})(\/.*)?$/s.exec(req.url ?? '');
  const handler = match?.[2] ? routes.get(match[2]) : undefined;
  const prefix = match?.[1] ?? '';
  if (!handler?.prefixes.includes(prefix)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('framepipe: unknown or released source route\n');
    return;
  }
  handler.handle(req, res, prefix, match?.[3] ?? '/');
}
