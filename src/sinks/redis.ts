/**
 * The Redis sink: XADDs each record to a stream and remembers its key in a companion set, both inside one
 * Lua script per batch. Redis runs a script atomically, so a crash can never leave an entry without its key
 * (which would duplicate it on a re-run) or a key without its entry (which would lose it).
 */
import type { Redis } from 'ioredis';
import { FramepipeError } from '../core/errors.ts';
import { BaseSink, checkInteger, checkName, redactUrl, sinkError, toJson } from './common.ts';
import type { ResultRecord } from './types.ts';

/** Options of {@link redisSink}. */
export interface RedisSinkOptions {
  /** Stream key. Default: the URL's `#fragment`, else `framepipe:results`. The key set is `<stream>:keys`. */
  stream?: string;
  /** Trim the stream to about this many entries (`XADD MAXLEN ~`). Trimmed keys stay in the key set. Default: no trim. */
  maxLen?: number;
  /** Limit for establishing a connection, ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Reconnect attempts after a dropped connection before writes fail. Default 3. */
  reconnectAttempts?: number;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const DEFAULT_STREAM = 'framepipe:results';
const FIELDS_PER_RECORD = 7;

/**
 * KEYS: stream, key set. ARGV: maxLen (0 = none), then 7 values per record. SISMEMBER before XADD and SADD
 * after it: if XADD fails (wrong key type, memory), nothing of that record is written. Returns the count added.
 */
const SCRIPT = `
local maxLen = tonumber(ARGV[1])
local added = 0
for i = 2, #ARGV, ${FIELDS_PER_RECORD} do
  local key = ARGV[i]
  if redis.call('SISMEMBER', KEYS[2], key) == 0 then
    local fields = {'key', key, 'source', ARGV[i + 1], 'index', ARGV[i + 2], 'ptsSeconds', ARGV[i + 3],
      'decodedAtMs', ARGV[i + 4], 'model', ARGV[i + 5], 'output', ARGV[i + 6]}
    if maxLen > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxLen, '*', unpack(fields))
    else
      redis.call('XADD', KEYS[1], '*', unpack(fields))
    end
    redis.call('SADD', KEYS[2], key)
    added = added + 1
  end
end
return added
`;

type ScriptedRedis = Redis & { framepipeAppend(stream: string, keys: string, ...args: (string | number)[]): Promise<number> };

/** Splits `redis://host:port/db#stream` into the connection URL and the stream named by the fragment. */
function splitUrl(url: string): { connection: string; stream: string | undefined } {
  const hash = url.indexOf('#');
  if (hash === -1) return { connection: url, stream: undefined };
  const stream = decodeURIComponent(url.slice(hash + 1));
  return { connection: url.slice(0, hash), stream: stream === '' ? undefined : stream };
}

class RedisSink extends BaseSink {
  readonly name: string;
  /** The stream written to. */
  readonly stream: string;
  readonly #url: string;
  readonly #shownUrl: string;
  readonly #maxLen: number;
  readonly #connectTimeoutMs: number;
  readonly #reconnectAttempts: number;
  #client: ScriptedRedis | null = null;
  #lastError: Error | null = null;

  constructor(url: string, options: RedisSinkOptions) {
    super();
    const { connection, stream } = splitUrl(checkName('redisSink url', url));
    if (!/^rediss?:\/\//i.test(connection)) {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `redisSink needs a redis:// or rediss:// URL, got ${JSON.stringify(redactUrl(url))}.`,
        { details: { url: redactUrl(url) } },
      );
    }
    this.#url = connection;
    this.#shownUrl = redactUrl(connection);
    this.stream = checkName('stream', options.stream ?? stream ?? DEFAULT_STREAM);
    this.#maxLen = options.maxLen === undefined ? 0 : checkInteger('maxLen', options.maxLen, 1);
    this.#connectTimeoutMs = checkInteger('connectTimeoutMs', options.connectTimeoutMs ?? 5000, 1);
    this.#reconnectAttempts = checkInteger('reconnectAttempts', options.reconnectAttempts ?? 3, 0);
    this.name = `redis:${this.#shownUrl}#${this.stream}`;
  }

  protected async doOpen(): Promise<void> {
    const attempts = this.#reconnectAttempts;
    // ioredis loads on first use, so importing framepipe does not pay for it.
    const { Redis: RedisClient } = await import('ioredis');
    const client = new RedisClient(this.#url, {
      lazyConnect: true,
      connectTimeout: this.#connectTimeoutMs,
      // Bounded: after `attempts` failed reconnects ioredis stops and fails every queued command.
      retryStrategy: (times) => (times > attempts ? null : Math.min(2000, 100 * 2 ** (times - 1))),
      maxRetriesPerRequest: attempts,
    }) as ScriptedRedis;
    client.on('error', (err: Error) => {
      this.#lastError = err;
    });
    client.defineCommand('framepipeAppend', { numberOfKeys: 2, lua: SCRIPT });
    this.#client = client;
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      const cause = this.#lastError ?? err;
      throw sinkError(
        cause,
        `Cannot connect to Redis at ${this.#shownUrl} (${(cause as Error).message}); check that the server runs and the URL (host, port, password) is right.`,
        {
          url: this.#shownUrl,
          cause: (cause as NodeJS.ErrnoException).code ?? (cause as Error).message,
        },
      );
    }
  }

  protected async doWrite(records: readonly ResultRecord[]): Promise<void> {
    const args: (string | number)[] = [this.#maxLen];
    for (const r of records) {
      args.push(r.key, r.source, String(r.index), String(r.ptsSeconds), String(r.decodedAtMs), r.model, toJson(r.output) ?? 'null');
    }
    try {
      await (this.#client as ScriptedRedis).framepipeAppend(this.stream, `${this.stream}:keys`, ...args);
    } catch (err) {
      const cause = this.#lastError && /max retries|connection is closed/i.test((err as Error).message) ? this.#lastError : err;
      const wrongType = /WRONGTYPE/.test((err as Error).message);
      const fix = wrongType
        ? `the key ${this.stream} or ${this.stream}:keys holds another type; choose another stream name`
        : 'check that the Redis server is up and reachable';
      throw sinkError(
        cause,
        `Cannot add ${records.length} records to Redis stream ${this.stream} at ${this.#shownUrl} (${(cause as Error).message}); ${fix}.`,
        {
          url: this.#shownUrl,
          stream: this.stream,
          cause: (cause as NodeJS.ErrnoException).code ?? (cause as Error).message,
        },
        !wrongType,
      );
    }
  }

  protected async doClose(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (!client) return;
    if (client.status === 'ready') {
      await client.quit().catch(() => client.disconnect());
    } else {
      client.disconnect();
    }
  }
}

/**
 * A sink that appends each record to a Redis stream (fields `key, source, index, ptsSeconds, decodedAtMs,
 * model, output` — the output as JSON) and skips keys already in `<stream>:keys`. `write` resolves once Redis
 * has run the batch's script; whether that survives a Redis restart depends on the server's persistence
 * (`appendonly yes`). An unreachable server fails `open()` with ERR_SINK_WRITE after one connect attempt.
 *
 * @example
 * ```ts
 * await using sink = redisSink('redis://127.0.0.1:6379#frames', { maxLen: 100_000 });
 * await sink.open();
 * await sink.write(records); // XLEN frames grows by the records not written before
 * ```
 */
export function redisSink(url: string = DEFAULT_URL, options: RedisSinkOptions = {}): BaseSink & { readonly stream: string } {
  return new RedisSink(url, options);
}
