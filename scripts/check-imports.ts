/**
 * Enforces the one-way import graph of STYLE.md point 10 over `src/**`:
 *
 *   core ← {sources, decode, sampling, schedule, preprocess, models, sinks} ← pipeline ← {runner, queue, server} ← cli
 *
 * Each layer may import itself and the layers listed for it in {@link ALLOWED}; `src/index.ts` may import
 * anything except cli. Only `src/decode/**` may import node-av and only `src/models/**` onnxruntime-node.
 * No file may take part in an import cycle. Type-only imports count too: a type that points the wrong
 * way is still a wrong-way dependency.
 *
 * Specifiers are read with TypeScript's own pre-processor, so imports inside comments and strings are
 * ignored and `import('…')` with a literal argument is included.
 *
 * @example
 * ```sh
 * node scripts/check-imports.ts        # checks ./src, exits 1 and prints one line per violation
 * node scripts/check-imports.ts other/src
 * ```
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SIBLINGS = ['sources', 'decode', 'sampling', 'schedule', 'preprocess', 'models', 'sinks'] as const;

/**
 * Layers each layer may import besides itself. `index` is `src/index.ts`. A new top-level folder in src
 * is reported until it is added here.
 *
 * @example
 * ```ts
 * ALLOWED.pipeline.includes('decode'); // true
 * ALLOWED.decode.includes('pipeline'); // false
 * ```
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  ...Object.fromEntries(SIBLINGS.map((layer) => [layer, ['core']])),
  pipeline: ['core', ...SIBLINGS],
  runner: ['core', ...SIBLINGS, 'pipeline'],
  queue: ['core', ...SIBLINGS, 'pipeline'],
  server: ['core', ...SIBLINGS, 'pipeline'],
  cli: ['core', ...SIBLINGS, 'pipeline', 'runner', 'queue', 'server', 'index'],
  index: ['core', ...SIBLINGS, 'pipeline', 'runner', 'queue', 'server'],
};

/**
 * Packages that only one folder may import (STYLE.md: one folder touches FFmpeg, one ONNX Runtime).
 *
 * @example
 * ```ts
 * PACKAGE_OWNERS['node-av']; // 'decode'
 * ```
 */
export const PACKAGE_OWNERS: Readonly<Record<string, string>> = {
  'node-av': 'decode',
  '@seydx/node-av': 'decode',
  'onnxruntime-node': 'models',
};

/** One broken rule, reported against the importing file. */
export interface Violation {
  /** The importing file, relative to the folder that holds src (e.g. `src/core/types.ts`). */
  file: string;
  /** The specifier as written. */
  specifier: string;
  /** Why it is not allowed. */
  reason: string;
}

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx'];

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(full);
  }
  return out.sort();
}

/** A file's layer: its top folder under srcDir, `index` for src/index.ts, null for other top-level files. */
function layerOf(srcDir: string, file: string): string | null {
  const parts = relative(srcDir, file).split(sep);
  if (parts.length === 1) return /^index\.[cm]?tsx?$/.test(parts[0] ?? '') ? 'index' : null;
  return parts[0] ?? null;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** `./x.ts` as written; `./x.js` or `./x` mapped onto the .ts file when it exists. */
function resolveRelative(from: string, specifier: string, known: ReadonlySet<string>): string {
  const target = resolve(dirname(from), specifier);
  const candidates = [target, target.replace(/\.[cm]?js$/, '.ts'), `${target}.ts`, join(target, 'index.ts')];
  return candidates.find((c) => known.has(c)) ?? target;
}

/**
 * Checks every source file under `srcDir` and returns the violations (empty when the graph is clean).
 *
 * @example
 * ```ts
 * const violations = checkImports('src');
 * for (const v of violations) console.log(formatViolation(v));
 * ```
 */
export function checkImports(srcDir: string): Violation[] {
  const root = resolve(srcDir);
  const files = listSources(root);
  const known = new Set(files);
  const shown = (file: string) => relative(dirname(root), file).split(sep).join('/');
  const violations: Violation[] = [];
  const graph = new Map<string, { target: string; specifier: string }[]>();

  for (const file of files) {
    const layer = layerOf(root, file);
    const edges: { target: string; specifier: string }[] = [];
    graph.set(file, edges);
    if (layer === null || !(layer in ALLOWED)) {
      const where = layer === null ? 'a file directly in src/ other than index.ts' : `folder ${layer}/`;
      violations.push({
        file: shown(file),
        specifier: '',
        reason: `${where} is in no layer; move it into one or add it to ALLOWED in scripts/check-imports.ts`,
      });
      continue;
    }
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) {
        const owner = PACKAGE_OWNERS[packageName(specifier)];
        if (owner !== undefined && owner !== layer) {
          const reason = `only src/${owner} may import ${packageName(specifier)}`;
          violations.push({ file: shown(file), specifier, reason });
        }
        continue;
      }
      const target = resolveRelative(file, specifier, known);
      // Outside src (e.g. ../../package.json): not part of the layer graph.
      if (relative(root, target).startsWith('..')) continue;
      edges.push({ target, specifier });
      const targetLayer = layerOf(root, target);
      if (targetLayer === null || targetLayer === layer) continue;
      if (!(ALLOWED[layer] ?? []).includes(targetLayer)) {
        const reason = `layer ${layer} may not import layer ${targetLayer}`;
        violations.push({ file: shown(file), specifier, reason });
      }
    }
  }
  for (const cycle of findCycles(graph)) {
    const [first, second] = cycle;
    const specifier = graph.get(first as string)?.find((e) => e.target === second)?.specifier ?? '';
    const reason = `import cycle: ${cycle.map(shown).join(' → ')}`;
    violations.push({ file: shown(first as string), specifier, reason });
  }
  return violations;
}

/** One cycle (first file repeated at the end) per strongly connected component that has one. */
function findCycles(graph: ReadonlyMap<string, readonly { target: string }[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const next = (file: string) => (graph.get(file) ?? []).map((e) => e.target).filter((t) => graph.has(t));

  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const target of next(file)) {
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file) as number, index.get(target) as number));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    const selfLoop = component.length === 1 && next(file).includes(file);
    if (component.length > 1 || selfLoop) components.push(component);
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);

  // Walk the shortest path from the component's first file back to itself, staying inside the component.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0] as string;
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.shift() as string;
      for (const target of next(file)) {
        if (!members.has(target) || previous.has(target)) continue;
        previous.set(target, file);
        if (target === start) queue.length = 0;
        else queue.push(target);
      }
    }
    const back: string[] = [];
    for (let at = previous.get(start); at !== undefined && at !== start; at = previous.get(at)) back.push(at);
    return [start, ...back.reverse(), start];
  });
}

/**
 * One printable line per violation: `file: imports X (reason)`.
 *
 * @example
 * ```ts
 * const reason = 'layer core may not import layer pipeline';
 * formatViolation({ file: 'src/core/a.ts', specifier: '../pipeline/b.ts', reason });
 * // 'src/core/a.ts: imports ../pipeline/b.ts (layer core may not import layer pipeline)'
 * ```
 */
export function formatViolation(v: Violation): string {
  return v.specifier === '' ? `${v.file}: ${v.reason}` : `${v.file}: imports ${v.specifier} (${v.reason})`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = process.argv[2] ?? 'src';
  const violations = checkImports(srcDir);
  for (const v of violations) console.log(formatViolation(v));
  if (violations.length > 0) {
    console.log(`check-imports: ${violations.length} violation(s) in ${srcDir}; see STYLE.md point 10.`);
    process.exit(1);
  }
  console.log(`check-imports: ${srcDir} is clean.`);
}
