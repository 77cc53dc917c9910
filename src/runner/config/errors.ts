/**
 * ERR_INVALID_CONFIG errors that point at the bad field: `pipeline.yaml: algorithms[1].intervalSeconds:
 * expected a number > 0, got "fast" (line 12)`, with `details.path` in the same notation. Zod issues are
 * turned into one such message, the most useful first: an unknown key (often a typo that also explains a
 * "missing" field) before anything else, and the branch of a union that matches the value's shape.
 */
import { z } from 'zod';
import { FramepipeError } from '../../core/errors.ts';

/** A path into the config: keys and list indices. */
export type ConfigPath = readonly (string | number)[];

/** Finds the line (1-based) of the value at a path in the file, when the file is known. */
export type Locate = (path: ConfigPath) => number | undefined;

/** Where a config came from, for messages. */
export interface ConfigOrigin {
  /** The file as the user named it (`pipeline.yaml`), or `<config>` for a config given as an object. */
  file: string;
  /** Line lookup into the file's text; absent for in-code configs. */
  locate?: Locate;
}

/**
 * `algorithms[1].intervalSeconds` for `['algorithms', 1, 'intervalSeconds']`.
 *
 * @example
 * ```ts
 * formatConfigPath(['sources', 0, 'options', 'timeoutMs']); // 'sources[0].options.timeoutMs'
 * ```
 */
export function formatConfigPath(path: ConfigPath): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? key : `.${key}`;
  return out;
}

/**
 * The ERR_INVALID_CONFIG error for the field at `path`: `file: path: message (line N)`.
 *
 * @example
 * ```ts
 * throw configError({ file: 'p.yaml' }, ['algorithms', 0, 'use'], 'unknown built-in model "builtin:x"');
 * ```
 */
export function configError(origin: ConfigOrigin, path: ConfigPath, message: string, extra: { cause?: unknown; details?: Record<string, unknown> } = {}): FramepipeError {
  const where = formatConfigPath(path);
  const line = path.length > 0 ? origin.locate?.(path) : undefined;
  const text = `${origin.file}: ${where === '' ? '' : `${where}: `}${message}${line === undefined ? '' : ` (line ${line})`}`;
  return new FramepipeError('ERR_INVALID_CONFIG', text, {
    cause: extra.cause,
    details: { file: origin.file, path: where, ...(line === undefined ? {} : { line }), ...extra.details },
  });
}

/**
 * A short, exact rendering of a bad value for messages: JSON, cut at 60 characters; `nothing` when absent.
 *
 * @example
 * ```ts
 * showValue('fast'); // '"fast"'
 * showValue(undefined); // 'nothing'
 * ```
 */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}

type Issue = z.core.$ZodIssue;

/**
 * The ERR_INVALID_CONFIG error for a failed zod parse of `data` (the whole config, or the part at `prefix`).
 * `schema` is the schema parsed with, used to list the allowed keys next to an unknown one.
 *
 * @example
 * ```ts
 * const parsed = pipelineConfigSchema.safeParse(data);
 * if (!parsed.success) throw zodConfigError(origin, parsed.error, data, pipelineConfigSchema);
 * ```
 */
export function zodConfigError(origin: ConfigOrigin, error: z.ZodError, data: unknown, schema: z.ZodType, prefix: ConfigPath = []): FramepipeError {
  const issues = flatten(error.issues, []);
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue === undefined) return configError(origin, prefix, 'invalid');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] as string;
    const allowed = keysAt(schema, data, issue.path);
    const guess = closest(key, allowed);
    const hint = `${guess === null ? '' : `did you mean ${guess}? `}${allowed.length > 0 ? `(allowed: ${allowed.join(', ')})` : ''}`.trim();
    return configError(origin, [...prefix, ...issue.path, key], `unknown key${hint === '' ? '' : `; ${hint}`}`);
  }
  const value = valueAt(data, issue.path);
  const text = issue.code === 'custom' ? issue.message : value === undefined ? `missing; expected ${issue.message}` : `expected ${issue.message}, got ${showValue(value)}`;
  return configError(origin, [...prefix, ...issue.path], text);
}

/** Replaces each union failure by the issues of the branch that fits the value's shape. */
function flatten(issues: readonly Issue[], base: readonly PropertyKey[]): (Issue & { path: (string | number)[] })[] {
  const out: (Issue & { path: (string | number)[] })[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path].filter((k): k is string | number => typeof k !== 'symbol');
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A branch that failed only on the type of the value itself is a branch for another shape.
      const fitting = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (fitting.length > 0) {
        out.push(...flatten(fitting[0] as Issue[], path));
        continue;
      }
    }
    out.push({ ...issue, path } as Issue & { path: (string | number)[] });
  }
  return out;
}

/** The value at `path` in `data`, or undefined. */
export function valueAt(data: unknown, path: ConfigPath): unknown {
  let at = data;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}

/** The keys an object schema at `path` accepts (following the data through lists and unions). */
function keysAt(schema: z.ZodType, data: unknown, path: ConfigPath): string[] {
  let node: z.ZodType | undefined = schema;
  let value = data;
  for (const key of [...path, null]) {
    node = unwrap(node, value);
    if (node === undefined) return [];
    if (key === null) break;
    if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodObject) node = (node.shape as Record<string, z.ZodType>)[String(key)];
    else return [];
    value = valueAt(value, [key]);
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

/** Strips optional wrappers and picks the union branch that fits `value` (an object branch for an object). */
function unwrap(node: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let at = node;
  for (;;) {
    if (at instanceof z.ZodOptional || at instanceof z.ZodDefault) at = at.unwrap() as z.ZodType;
    else if (at instanceof z.ZodUnion) {
      const options = at.options as z.ZodType[];
      const objects = options.flatMap((o) => (o instanceof z.ZodUnion ? (o.options as z.ZodType[]) : [o])).filter((o) => o instanceof z.ZodObject) as z.ZodObject[];
      const type = (value as { type?: unknown } | null)?.type;
      at = objects.find((o) => {
        const literal = o.shape.type;
        return literal instanceof z.ZodLiteral && literal.value === type;
      }) ?? objects[0];
    } else return at;
  }
}

/** The allowed key closest to `key` (edit distance ≤ 3, or case-insensitively equal), or null. */
function closest(key: string, allowed: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.min(3, Math.max(1, Math.floor(key.length / 3))) ? best : null;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}
