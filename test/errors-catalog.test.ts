/** The error catalog and docs/errors.md list the same codes. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { ERROR_CODES, FramepipeError } from '../src/index.ts';

it('docs/errors.md documents every code, and only those', async () => {
  const doc = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
});

it('errors carry code, retriable, details and survive a round trip', () => {
  const err = new FramepipeError('ERR_HTTP_STATUS', 'HTTP 503', { details: { status: 503 }, retriable: true });
  const back = FramepipeError.fromJSON(JSON.parse(JSON.stringify(err)));
  assert.equal(back.code, 'ERR_HTTP_STATUS');
  assert.equal(back.retriable, true);
  assert.deepEqual(back.details, { status: 503 });
  assert.equal(new FramepipeError('ERR_TIMEOUT', 'x').retriable, true);
  assert.equal(new FramepipeError('ERR_NOT_FOUND', 'x').retriable, false);
});
