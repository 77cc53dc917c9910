/**
 * The generated JSON Schema of pipeline configs stays in step with the zod schema, and the config docs
 * name every field the schema has.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { pipelineSchemaText, SCHEMA_PATH } from '../scripts/gen-pipeline-schema.ts';
import { pipelineConfigJsonSchema } from '../src/runner/config/index.ts';

const DOC = new URL('../docs/pipelines-config.md', import.meta.url);

/** Every property name in a JSON Schema, recursively. */
function propertyNames(schema: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const item of schema) propertyNames(item, into);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'properties' && value && typeof value === 'object') for (const name of Object.keys(value)) into.add(name);
      propertyNames(value, into);
    }
  }
  return into;
}

describe('pipeline config schema', () => {
  it('docs/pipeline.schema.json is what scripts/gen-pipeline-schema.ts generates (run it after changing the schema)', async () => {
    assert.equal(await readFile(SCHEMA_PATH, 'utf8'), pipelineSchemaText(), 'stale: run node scripts/gen-pipeline-schema.ts');
  });

  it('docs/pipelines-config.md documents every field of the schema', async () => {
    const doc = await readFile(DOC, 'utf8');
    // Words inside `code spans`: `options.timeoutMs` and `{ retries, baseDelayMs }` count for each name.
    const documented = new Set([...doc.matchAll(/`([^`\n]+)`/g)].flatMap((m) => (m[1] as string).split(/[^\w$]+/)));
    const missing = [...propertyNames(pipelineConfigJsonSchema())].filter((name) => !documented.has(name));
    assert.deepEqual(missing, [], `fields not in docs/pipelines-config.md: ${missing.join(', ')}`);
  });
});
