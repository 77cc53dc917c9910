#!/usr/bin/env node
// Installed as a dependency, run the built CLI (Node does not strip types under node_modules); in a clone,
// run the TypeScript sources directly (Node ≥ 22.18 strips types), so a stale dist/ is never picked up.
import { existsSync } from 'node:fs';

const installed = import.meta.url.includes('/node_modules/');
const source = new URL('../src/cli/main.ts', import.meta.url);
const entry = !installed && existsSync(source) ? source : new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
