/**
 * Writes `docs/pipeline.schema.json`, the JSON Schema of pipeline config files, from the zod schema in
 * `src/runner/config/schema.ts`. A test fails when the file is stale; run this after changing the schema.
 *
 * @example
 * ```sh
 * node scripts/gen-pipeline-schema.ts           # rewrites docs/pipeline.schema.json
 * node scripts/gen-pipeline-schema.ts --check   # exits 1 when it differs from the schema
 * ```
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pipelineConfigJsonSchema } from '../src/runner/config/schema.ts';

/** Where the generated schema lives. */
export const SCHEMA_PATH = fileURLToPath(new URL('../docs/pipeline.schema.json', import.meta.url));

/**
 * The file's expected text: the JSON Schema, two-space indented, with a trailing newline.
 *
 * @example
 * ```ts
 * const stale = readFileSync(SCHEMA_PATH, 'utf8') !== pipelineSchemaText();
 * ```
 */
export function pipelineSchemaText(): string {
  return `${JSON.stringify(pipelineConfigJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = pipelineSchemaText();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(SCHEMA_PATH, 'utf8');
    } catch {
      // A missing file is stale too.
    }
    if (current !== text) {
      console.log('docs/pipeline.schema.json is stale: run node scripts/gen-pipeline-schema.ts');
      process.exit(1);
    }
    console.log('docs/pipeline.schema.json is up to date.');
  } else {
    writeFileSync(SCHEMA_PATH, text);
    console.log(`wrote ${SCHEMA_PATH}`);
  }
}
