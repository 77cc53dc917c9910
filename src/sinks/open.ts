/**
 * Sink specs as the CLI takes them (`--sink out.jsonl`, `--sink out.lance`, `--sink redis://host#stream`,
 * `--sink https://…`), parsed into a kind and opened as the matching sink.
 */
import { FramepipeError } from '../core/errors.ts';
import type { BaseSink } from './common.ts';
import { type JsonlSinkOptions, jsonlSink } from './jsonl.ts';
import { isLanceStore, type LanceSinkOptions, lanceSink } from './lance.ts';
import { type RedisSinkOptions, redisSink } from './redis.ts';
import { type WebhookSinkOptions, webhookSink } from './webhook.ts';

/** A parsed sink spec. */
export type SinkSpec =
  | { kind: 'jsonl'; path: string }
  | { kind: 'lance'; dir: string }
  | { kind: 'redis'; url: string; stream?: string }
  | { kind: 'webhook'; url: string };

/** Options for {@link openSink}: one block per sink kind, used only when the spec picks that kind. */
export interface OpenSinkOptions {
  /** Options of a `*.jsonl` spec. Default `{}`. */
  jsonl?: JsonlSinkOptions;
  /** Options of a `*.lance` spec. Default `{}`. */
  lance?: LanceSinkOptions;
  /** Options of a `redis://` spec; a `#stream` in the spec wins over `redis.stream`. Default `{}`. */
  redis?: RedisSinkOptions;
  /** Options of an `http(s)://` spec. Default `{}`. */
  webhook?: WebhookSinkOptions;
}

const ACCEPTED = [
  'a file path ending in .jsonl (or .ndjson)',
  'a directory path ending in .lance, or an existing LanceDB directory',
  'redis://[user:password@]host[:port][/db][#stream] (or rediss://)',
  'http://… or https://… (webhook)',
];

/**
 * What kind of sink a spec names, without opening anything. Only a LanceDB directory without the `.lance`
 * suffix is recognised by looking at the disk.
 *
 * @example
 * ```ts
 * parseSinkSpec('redis://localhost:6379#frames'); // { kind: 'redis', url: 'redis://localhost:6379', stream: 'frames' }
 * parseSinkSpec('out/results.jsonl');             // { kind: 'jsonl', path: 'out/results.jsonl' }
 * ```
 */
export function parseSinkSpec(spec: string): SinkSpec {
  const text = typeof spec === 'string' ? spec.trim() : '';
  if (/^rediss?:\/\//i.test(text)) {
    const hash = text.indexOf('#');
    if (hash === -1) return { kind: 'redis', url: text };
    const stream = decodeURIComponent(text.slice(hash + 1));
    return stream === '' ? { kind: 'redis', url: text.slice(0, hash) } : { kind: 'redis', url: text.slice(0, hash), stream };
  }
  if (/^https?:\/\//i.test(text)) return { kind: 'webhook', url: text };
  if (/\.(jsonl|ndjson)$/i.test(text)) return { kind: 'jsonl', path: text };
  if (/\.lance\/?$/i.test(text) || (text !== '' && isLanceStore(text))) return { kind: 'lance', dir: text.replace(/\/$/, '') };
  throw new FramepipeError('ERR_INVALID_OPTIONS', `Unknown sink ${JSON.stringify(spec)}; a sink is ${ACCEPTED.join('; ')}.`, {
    details: { spec, accepted: ACCEPTED },
  });
}

/**
 * Opens the sink a CLI spec names (see {@link parseSinkSpec}); nothing touches the destination until the
 * sink's `open()` or first `write`. Unknown forms → ERR_INVALID_OPTIONS listing the accepted ones.
 *
 * @example
 * ```ts
 * await using sink = openSink('out.lance', { lance: { table: 'clip' } });
 * await sink.write(records);
 * ```
 */
export function openSink(spec: string, options: OpenSinkOptions = {}): BaseSink {
  const parsed = parseSinkSpec(spec);
  switch (parsed.kind) {
    case 'jsonl':
      return jsonlSink(parsed.path, options.jsonl);
    case 'lance':
      return lanceSink(parsed.dir, options.lance);
    case 'redis':
      return redisSink(parsed.url, parsed.stream === undefined ? options.redis : { ...options.redis, stream: parsed.stream });
    case 'webhook':
      return webhookSink(parsed.url, options.webhook);
  }
}
