/**
 * The vector store sink: embeddings in a LanceDB table on local disk, searchable by cosine similarity. Rows
 * are inserted with a merge on `key` that inserts only keys the table lacks, so re-runs and concurrent
 * writers never duplicate a frame. The table is created on the first write, when the vector size is known.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as LanceDB from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';
import { FramepipeError } from '../core/errors.ts';
import { BaseSink, checkInteger, checkName, embeddingOf, newRecords, sinkError } from './common.ts';
import type { ResultRecord, SearchableSink, SearchHit } from './types.ts';

/** Options of {@link lanceSink} and {@link openLanceStore}. */
export interface LanceSinkOptions {
  /** Table name inside the store directory. Default `frames`. */
  table?: string;
  /** Compact the table's small per-batch fragments into one on `close()`, which speeds up search. Default `true`. */
  compactOnClose?: boolean;
}

/** Options of a search. */
export interface LanceSearchOptions {
  /** Only frames from this model id (stores may hold several models of the same vector size). Default: all. */
  model?: string;
}

/** A read-only view of a store written by {@link lanceSink}. */
export interface LanceStore extends AsyncDisposable {
  /** `lance:<dir>`. */
  readonly name: string;
  /** The k stored frames closest to `vector` by cosine similarity, best first. */
  search(vector: Float32Array | readonly number[], k: number, options?: LanceSearchOptions): Promise<SearchHit[]>;
  /** Number of stored frames. */
  count(): Promise<number>;
  /** Releases the store. Idempotent. */
  close(): Promise<void>;
}

/** A searchable sink backed by LanceDB. */
export type LanceSink = BaseSink & SearchableSink & Pick<LanceStore, 'search' | 'count'>;

const DEFAULT_TABLE = 'frames';

/** One stored row: the record without `decodedAtMs` and `output`, plus its embedding. */
type LanceRow = {
  key: string;
  source: string;
  index: number;
  ptsSeconds: number;
  model: string;
  vector: Float32Array;
};

/**
 * LanceDB and Arrow load on first use: together they cost about 30 MB of memory, which a process that never
 * writes a vector store should not pay.
 */
let modules: Promise<{ lancedb: typeof LanceDB; arrow: typeof Arrow }> | null = null;
function load(): Promise<{ lancedb: typeof LanceDB; arrow: typeof Arrow }> {
  modules ??= Promise.all([import('@lancedb/lancedb'), import('apache-arrow')]).then(([lancedb, arrow]) => ({ lancedb, arrow }));
  return modules;
}

function schemaFor(arrow: typeof Arrow, dimension: number): Arrow.Schema {
  const { Field, FixedSizeList, Float32, Float64, Int64, Schema, Utf8 } = arrow;
  return new Schema([
    new Field('key', new Utf8(), false),
    new Field('source', new Utf8(), false),
    new Field('index', new Int64(), false),
    new Field('ptsSeconds', new Float64(), false),
    new Field('model', new Utf8(), false),
    new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false),
  ]);
}

/** The vector size of an existing table; ERR_INVALID_OPTIONS when it is not a framepipe table. */
async function dimensionOf(table: LanceDB.Table, where: string): Promise<number> {
  const { FixedSizeList } = (await load()).arrow;
  const schema = await table.schema();
  const vector = schema.fields.find((f) => f.name === 'vector');
  const hasKey = schema.fields.some((f) => f.name === 'key');
  if (!hasKey || !vector || !FixedSizeList.isFixedSizeList(vector.type)) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `${where} is not a framepipe table (it needs a "key" column and a fixed-size "vector" column); choose another table name or directory.`,
      {
        details: { table: where },
      },
    );
  }
  return vector.type.listSize;
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Cosine search over an open table (shared by the sink and the read-only store). */
async function searchTable(
  table: LanceDB.Table | null,
  dimension: number,
  where: string,
  vector: Float32Array | readonly number[],
  k: number,
  options: LanceSearchOptions = {},
): Promise<SearchHit[]> {
  checkInteger('k', k, 1);
  const query = vector instanceof Float32Array ? vector : Float32Array.from(vector);
  if (table === null) return [];
  if (query.length !== dimension) {
    throw new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `The query vector has ${query.length} values but ${where} stores ${dimension}-value vectors; embed the query with the model that wrote the store.`,
      {
        details: { expected: dimension, got: query.length },
      },
    );
  }
  let search = table
    .query()
    .nearestTo(query)
    .distanceType('cosine')
    .select(['source', 'index', 'ptsSeconds', 'model', '_distance'])
    .limit(k);
  if (options.model !== undefined) search = search.where(`model = ${sqlString(options.model)}`);
  const rows = (await search.toArray()) as {
    source: string;
    index: bigint | number;
    ptsSeconds: number;
    model: string;
    _distance: number;
  }[];
  return rows.map((row) => ({
    source: row.source,
    index: Number(row.index),
    ptsSeconds: row.ptsSeconds,
    model: row.model,
    score: 1 - row._distance,
  }));
}

class LanceSinkImpl extends BaseSink implements LanceSink {
  readonly name: string;
  readonly #dir: string;
  readonly #tableName: string;
  readonly #compact: boolean;
  #db: LanceDB.Connection | null = null;
  #table: LanceDB.Table | null = null;
  #dimension = 0;
  #wrote = false;

  constructor(dir: string, options: LanceSinkOptions) {
    super();
    this.#dir = resolve(checkName('lanceSink dir', dir));
    this.#tableName = checkName('table', options.table ?? DEFAULT_TABLE);
    this.#compact = options.compactOnClose ?? true;
    this.name = `lance:${dir}`;
  }

  get #where(): string {
    return `table "${this.#tableName}" in ${this.#dir}`;
  }

  protected async doOpen(): Promise<void> {
    if (existsSync(this.#dir) && !statSync(this.#dir).isDirectory()) {
      throw new FramepipeError(
        'ERR_SINK_WRITE',
        `Cannot create a vector store at ${this.#dir}: it is a file; choose a directory path such as out.lance.`,
        { retriable: false, details: { path: this.#dir } },
      );
    }
    try {
      this.#db = await (await load()).lancedb.connect(this.#dir);
      if ((await this.#db.tableNames()).includes(this.#tableName)) {
        this.#table = await this.#db.openTable(this.#tableName);
      }
    } catch (err) {
      throw sinkError(err, `Cannot open the vector store ${this.#where}: ${(err as Error).message}`, { path: this.#dir });
    }
    if (this.#table) this.#dimension = await dimensionOf(this.#table, this.#where);
  }

  protected async doWrite(records: readonly ResultRecord[]): Promise<void> {
    const fresh = newRecords(records, new Set());
    const expected = this.#dimension || (embeddingOf(fresh[0]?.output)?.length ?? 0);
    const rows = fresh.map((r) => this.#row(r, expected));
    try {
      const table = await this.#tableFor(expected);
      const { lancedb, arrow } = await load();
      const data = lancedb.makeArrowTable(rows, { schema: schemaFor(arrow, this.#dimension) });
      await table.mergeInsert('key').whenNotMatchedInsertAll().execute(data);
      this.#wrote = true;
    } catch (err) {
      throw sinkError(err, `Cannot write ${rows.length} rows to the vector store ${this.#where}: ${(err as Error).message}`, {
        path: this.#dir,
      });
    }
  }

  /** One row; the vector size must match the table's (or the batch's first row's, for a new table). */
  #row(r: ResultRecord, expected: number): LanceRow {
    const vector = embeddingOf(r.output);
    if (!vector) {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `Model ${r.model} gave an output with no embedding (frame ${r.index} of ${r.source}); the vector store needs a Float32Array, number[] or { embedding } output. Use an embedding model, or a jsonl sink for other outputs.`,
        { details: { model: r.model, key: r.key } },
      );
    }
    if (vector.length !== expected) {
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `Model ${r.model} gave a ${vector.length}-value embedding but ${this.#where} holds ${expected}-value vectors; write each model to its own table ({ table: '…' }) or directory.`,
        { details: { model: r.model, expected, got: vector.length } },
      );
    }
    return { key: r.key, source: r.source, index: r.index, ptsSeconds: r.ptsSeconds, model: r.model, vector };
  }

  async #tableFor(dimension: number): Promise<LanceDB.Table> {
    if (this.#table) return this.#table;
    const db = this.#db as LanceDB.Connection;
    // exist_ok: another writer may have created it since open(); its vector size then wins.
    this.#table = await db.createEmptyTable(this.#tableName, schemaFor((await load()).arrow, dimension), { mode: 'create', existOk: true });
    this.#dimension = await dimensionOf(this.#table, this.#where);
    if (this.#dimension !== dimension)
      throw new FramepipeError(
        'ERR_INVALID_OPTIONS',
        `${this.#where} holds ${this.#dimension}-value vectors, not ${dimension}; use another table.`,
      );
    return this.#table;
  }

  async search(vector: Float32Array | readonly number[], k: number, options?: LanceSearchOptions): Promise<SearchHit[]> {
    await this.open();
    await this.flush();
    return searchTable(this.#table, this.#dimension, this.#where, vector, k, options);
  }

  async count(): Promise<number> {
    await this.open();
    await this.flush();
    return this.#table ? this.#table.countRows() : 0;
  }

  protected async doClose(): Promise<void> {
    try {
      if (this.#table && this.#wrote && this.#compact) await this.#table.optimize();
    } catch (err) {
      throw sinkError(
        err,
        `Cannot compact the vector store ${this.#where}: ${(err as Error).message}; the rows are written, compaction only speeds up search.`,
        { path: this.#dir },
      );
    } finally {
      this.#table?.close();
      this.#db?.close();
      this.#table = null;
      this.#db = null;
    }
  }
}

/**
 * A {@link SearchableSink} that stores each record's embedding in a LanceDB table under `dir` (columns
 * `key, source, index, ptsSeconds, model, vector`). Records whose output has no embedding are rejected with
 * ERR_INVALID_OPTIONS naming the model. Keys already in the table are skipped.
 *
 * @example
 * ```ts
 * await using sink = lanceSink('out.lance');
 * await sink.write(records);
 * const hits = await sink.search(queryEmbedding, 5); // [{ source, index, ptsSeconds, model, score }]
 * ```
 */
export function lanceSink(dir: string, options: LanceSinkOptions = {}): LanceSink {
  return new LanceSinkImpl(dir, options);
}

/**
 * True when `dir` looks like a LanceDB directory (it holds a `*.lance` table folder or LanceDB's manifest).
 *
 * @example
 * ```ts
 * isLanceStore('out.lance'); // true once a lanceSink has written there
 * ```
 */
export function isLanceStore(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    return readdirSync(dir).some((entry) => entry.endsWith('.lance') || entry === '__manifest');
  } catch {
    return false;
  }
}

/**
 * Opens a store written by {@link lanceSink} for search only; nothing is created or written. A `dir` that
 * does not exist or holds no such table → ERR_INVALID_OPTIONS naming the path.
 *
 * @example
 * ```ts
 * await using store = await openLanceStore('out.lance');
 * const hits = await store.search(textEmbedding, 10);
 * ```
 */
export async function openLanceStore(dir: string, options: Pick<LanceSinkOptions, 'table'> = {}): Promise<LanceStore> {
  const path = resolve(checkName('dir', dir));
  const tableName = checkName('table', options.table ?? DEFAULT_TABLE);
  const where = `table "${tableName}" in ${path}`;
  const notAStore = (cause?: unknown) =>
    new FramepipeError(
      'ERR_INVALID_OPTIONS',
      `${path} is not a framepipe vector store (no table "${tableName}"); pass the directory a lance sink wrote (e.g. --sink out.lance), or the right table name.`,
      {
        cause,
        details: { path, table: tableName },
      },
    );
  // Checked before connecting: LanceDB creates the directory of a connection that does not exist.
  if (!isLanceStore(path)) throw notAStore();
  const db = await (await load()).lancedb.connect(path);
  let table: LanceDB.Table;
  try {
    if (!(await db.tableNames()).includes(tableName)) throw notAStore();
    table = await db.openTable(tableName);
  } catch (err) {
    db.close();
    throw err instanceof FramepipeError ? err : notAStore(err);
  }
  const dimension = await dimensionOf(table, where).catch((err: unknown) => {
    table.close();
    db.close();
    throw err;
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    table.close();
    db.close();
  };
  return {
    name: `lance:${dir}`,
    search: (vector, k, searchOptions) => searchTable(table, dimension, where, vector, k, searchOptions),
    count: () => table.countRows(),
    close,
    [Symbol.asyncDispose]: close,
  };
}
