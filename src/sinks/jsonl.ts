/**
 * The JSONL sink: one JSON object per line, appended one batch per `write` call. Opening reads the keys
 * already in the file so a re-run appends only what is missing; a line cut short by a crash is cut off.
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { FramepipeError } from '../core/errors.ts';
import { BaseSink, newRecords, plainRecord, sinkError, toJson } from './common.ts';
import type { ResultRecord } from './types.ts';

/** Options of {@link jsonlSink}. */
export interface JsonlSinkOptions {
  /**
   * Flush each batch to the disk (fdatasync) before `write` resolves, so it survives a power loss or kernel
   * crash, not only a crash of the process. Default `true`.
   */
  fsync?: boolean;
}

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

/** What a scan of an existing file found. */
interface ScanResult {
  keys: Set<string>;
  /** Bytes to keep: everything up to the end of the last whole line (or the whole file). */
  keepBytes: number;
  /** The file ends in a complete record without a newline: the next write starts with one. */
  needsNewline: boolean;
}

class JsonlSink extends BaseSink {
  readonly name: string;
  /** Bytes of a truncated last line that `open()` cut off (0 when the file ended cleanly). */
  droppedTailBytes = 0;
  readonly #path: string;
  readonly #fsync: boolean;
  #fh: FileHandle | null = null;
  #keys = new Set<string>();
  #size = 0;
  #needsNewline = false;

  constructor(path: string, options: JsonlSinkOptions) {
    super();
    if (typeof path !== 'string' || path === '') {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `jsonlSink needs a file path, got ${JSON.stringify(path)}; pass e.g. 'results.jsonl'.`,
      );
    }
    this.#path = resolve(path);
    this.#fsync = options.fsync ?? true;
    this.name = `jsonl:${path}`;
  }

  protected async doOpen(): Promise<void> {
    try {
      await mkdir(dirname(this.#path), { recursive: true });
      // a+: read the keys already written, then append; O_APPEND keeps every write at the end.
      this.#fh = await open(this.#path, 'a+');
    } catch (err) {
      throw this.#error(err, 'open');
    }
    const scan = await scanFile(this.#fh, this.#path);
    const size = (await this.#fh.stat()).size;
    if (scan.keepBytes < size) {
      await this.#fh.truncate(scan.keepBytes).catch((err: unknown) => Promise.reject(this.#error(err, 'truncate')));
      this.droppedTailBytes = size - scan.keepBytes;
    }
    this.#keys = scan.keys;
    this.#size = scan.keepBytes;
    this.#needsNewline = scan.needsNewline;
  }

  protected async doWrite(records: readonly ResultRecord[]): Promise<void> {
    const fresh = newRecords(records, this.#keys);
    if (fresh.length === 0) return;
    const text = (this.#needsNewline ? '\n' : '') + fresh.map((r) => toJson(plainRecord(r))).join('\n') + '\n';
    const bytes = Buffer.from(text, 'utf8');
    const fh = this.#fh as FileHandle;
    try {
      await writeAll(fh, bytes);
      if (this.#fsync) await fh.datasync();
    } catch (err) {
      // Cut a partial batch off so the file keeps whole lines and the retry (or re-run) writes it again.
      await fh.truncate(this.#size).catch(() => undefined);
      throw this.#error(err, 'append to');
    }
    this.#size += bytes.length;
    this.#needsNewline = false;
    for (const r of fresh) this.#keys.add(r.key);
  }

  protected async doClose(): Promise<void> {
    const fh = this.#fh;
    this.#fh = null;
    if (fh) await fh.close().catch((err: unknown) => Promise.reject(this.#error(err, 'close')));
  }

  #error(err: unknown, verb: string): FramepipeError {
    const code = (err as NodeJS.ErrnoException | null)?.code;
    const hint =
      code === 'ENOTDIR' || code === 'EISDIR'
        ? 'a parent of the path is a file, or the path is a directory'
        : code === 'EACCES' || code === 'EPERM'
          ? 'no permission'
          : code === 'ENOSPC'
            ? 'the disk is full'
            : String((err as Error)?.message ?? err);
    return sinkError(err, `Cannot ${verb} results file ${this.#path} (${hint}); choose a writable path for the JSONL sink.`, {
      path: this.#path,
      errno: code,
    });
  }
}

/** Writes every byte (a single write call may write fewer than asked). */
async function writeAll(fh: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

/** Reads the existing file in chunks and collects the keys of its records. */
async function scanFile(fh: FileHandle, path: string): Promise<ScanResult> {
  const keys = new Set<string>();
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let carry = Buffer.alloc(0);
  let position = 0;
  let line = 0;
  for (;;) {
    const { bytesRead } = await fh.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    let data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      line += 1;
      const key = keyOfLine(data.toString('utf8', start, nl));
      if (key === undefined) throw badLine(path, line);
      if (key !== null) keys.add(key);
      start = nl + 1;
    }
    data = data.subarray(start);
    carry = Buffer.from(data);
  }
  if (carry.length === 0) return { keys, keepBytes: position, needsNewline: false };
  // The last line has no newline: a whole record is kept, anything else is the cut-off end of a crashed write.
  const key = keyOfLine(carry.toString('utf8'));
  if (typeof key !== 'string') return { keys, keepBytes: position - carry.length, needsNewline: false };
  keys.add(key);
  return { keys, keepBytes: position, needsNewline: true };
}

/** The key of one line: a string, null for a blank line, undefined when the line is not a record. */
function keyOfLine(text: string): string | null | undefined {
  if (text.trim() === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    const key = value && typeof value === 'object' ? (value as { key?: unknown }).key : undefined;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

function badLine(path: string, line: number): FramepipeError {
  return new FramepipeError(
    'ERR_SINK_WRITE',
    `Results file ${path} line ${line} is not a JSON record with a string "key"; it is not a framepipe JSONL file (or was edited). Fix or remove that line, or write to a new file.`,
    {
      retriable: false,
      details: { path, line },
    },
  );
}

/**
 * A sink that appends one JSON line per record to `path`:
 * `{"key","source","index","ptsSeconds","decodedAtMs","model","output"}`, typed arrays as arrays.
 * Parent folders are created. Records whose key is already in the file are skipped, so a re-run of the same
 * extraction appends only what is missing. Each batch is one `write` (plus fdatasync unless `fsync: false`).
 *
 * @example
 * ```ts
 * await using sink = jsonlSink('out/results.jsonl');
 * await sink.open();
 * await sink.write(records);
 * ```
 */
export function jsonlSink(path: string, options: JsonlSinkOptions = {}): BaseSink & { readonly droppedTailBytes: number } {
  return new JsonlSink(path, options);
}
