/**
 * Result sinks: callback, JSONL, LanceDB vector store, webhook, Redis stream, a tee over several, and the
 * CLI's spec parser. Every sink is idempotent on `ResultRecord.key` and resolves `write` when durable.
 */
export type { ResultRecord, SearchableSink, SearchHit, Sink } from './types.ts';
export { BaseSink } from './common.ts';
export { type CallbackSinkOptions, callbackSink, type ResultCallback } from './callback.ts';
export { type JsonlSinkOptions, jsonlSink } from './jsonl.ts';
export {
  isLanceStore,
  type LanceSearchOptions,
  type LanceSink,
  type LanceSinkOptions,
  type LanceStore,
  lanceSink,
  openLanceStore,
} from './lance.ts';
export { idempotencyKey, type WebhookRetryOptions, type WebhookSinkOptions, webhookSink } from './webhook.ts';
export { type RedisSinkOptions, redisSink } from './redis.ts';
export { type OpenSinkOptions, openSink, parseSinkSpec, type SinkSpec } from './open.ts';
export { type TeeSink, teeSink } from './tee.ts';
