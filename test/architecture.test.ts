/**
 * STYLE.md point 10: imports flow one way, one folder touches FFmpeg, one touches ONNX Runtime, no cycles.
 * Runs scripts/check-imports.ts on the real src/ and proves on a throw-away tree that it catches each kind
 * of violation.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkImports, formatViolation } from '../scripts/check-imports.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const script = join(repo, 'scripts', 'check-imports.ts');

test('src/ imports flow one way, with no cycles', () => {
  const lines = checkImports(join(repo, 'src')).map(formatViolation);
  assert.deepEqual(lines, [], `Import rule violations (STYLE.md point 10):\n${lines.join('\n')}`);
});

describe('the check catches', () => {
  let root = '';
  const tree: Record<string, string> = {
    'core/types.ts': `export type A = 1;\n/** import { x } from '../pipeline/run.ts'; (a comment: ignored) */\n`,
    'core/bad.ts': `import type { Run } from '../pipeline/run.ts';\nexport type B = Run;\n`,
    'sampling/a.ts': `import { b } from './b.ts';\nexport const a = () => b;\n`,
    'sampling/b.ts': `import { c } from './c.ts';\nexport const b = 1;\nexport { c };\n`,
    'sampling/c.ts': `export const c = async () => import('./a.ts');\n`,
    'sampling/plan.ts': `export const plan = () => import('../decode/open.ts');\n`,
    'decode/open.ts': `import 'node-av';\nimport { x } from '../core/types.ts';\nexport { x };\n`,
    'decode/ort.ts': `import * as ort from 'onnxruntime-node';\nexport { ort };\n`,
    'models/onnx.ts': `import * as ort from 'onnxruntime-node';\nimport { Demuxer } from 'node-av/api';\n`,
    'pipeline/run.ts': `export * from '../sampling/a.ts';\nexport type Run = 1;\n`,
    'server/app.ts': `export { q } from '../queue/jobs.ts';\n`,
    'queue/jobs.ts': `export const q = 1;\nconst s = "import '../cli/main.ts'";\n`,
    'cli/main.ts': `import '../server/app.ts';\n`,
    'index.ts': `export * from './pipeline/run.ts';\nexport * from './cli/main.ts';\n`,
    'util/helpers.ts': `export const h = 1;\n`,
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'framepipe-imports-'));
    for (const [file, text] of Object.entries(tree)) {
      const path = join(root, 'src', file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
    }
  });
  after(() => rm(root, { recursive: true, force: true }));

  const lines = () => checkImports(join(root, 'src')).map(formatViolation);

  test('exactly the planted violations', () => {
    assert.deepEqual(lines().sort(), [
      'src/core/bad.ts: imports ../pipeline/run.ts (layer core may not import layer pipeline)',
      'src/decode/ort.ts: imports onnxruntime-node (only src/models may import onnxruntime-node)',
      'src/index.ts: imports ./cli/main.ts (layer index may not import layer cli)',
      'src/models/onnx.ts: imports node-av/api (only src/decode may import node-av)',
      'src/sampling/a.ts: imports ./b.ts (import cycle: src/sampling/a.ts → src/sampling/b.ts → src/sampling/c.ts → src/sampling/a.ts)',
      'src/sampling/plan.ts: imports ../decode/open.ts (layer sampling may not import layer decode)',
      'src/server/app.ts: imports ../queue/jobs.ts (layer server may not import layer queue)',
      'src/util/helpers.ts: folder util/ is in no layer; move it into one or add it to ALLOWED in scripts/check-imports.ts',
    ]);
  });

  test('a cycle through the index file across layers', async () => {
    // index → cli is already wrong-way; closing the loop from cli must add a cycle report.
    await writeFile(join(root, 'src', 'cli', 'main.ts'), `import '../index.ts';\n`);
    assert.ok(
      lines().includes(
        'src/cli/main.ts: imports ../index.ts (import cycle: src/cli/main.ts → src/index.ts → src/cli/main.ts)',
      ),
      lines().join('\n'),
    );
  });

  test('the script prints violations and exits 1', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [script, join(root, 'src')], (err, stdout) =>
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout }),
      ),
    );
    assert.equal(code, 1);
    assert.match(
      stdout,
      /^src\/core\/bad\.ts: imports \.\.\/pipeline\/run\.ts \(layer core may not import layer pipeline\)$/m,
    );
    assert.match(stdout, /violation\(s\)/);
  });
});
