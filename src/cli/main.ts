/**
 * The `framepipe` command: thin commands over the public API. Failures print `error CODE: message` on
 * stderr and exit 1; usage and config-file errors exit 2.
 */
import { readFileSync } from 'node:fs';
import { isFramepipeError, toFramepipeError } from '../index.ts';
import { FRAMES_USAGE, framesCommand } from './frames.ts';
import { PROBE_USAGE, probeCommand } from './probe.ts';
import { EXTRACT_USAGE, extractCommand } from './extract.ts';
import { SEARCH_USAGE, searchCommand } from './search.ts';
import { RUN_USAGE, runCommand } from './run.ts';

const HELP = `framepipe: streaming video inference for Node.js

Usage:
  ${PROBE_USAGE}
  ${FRAMES_USAGE}
  ${EXTRACT_USAGE}
  ${SEARCH_USAGE}
  ${RUN_USAGE}
  framepipe --version

Sources: paths, file://, http(s):// (Range streaming, cached download when needed), data:, HLS (.m3u8),
rtsp:// rtmp:// srt:// udp:// tcp:// (live, with reconnect), /dev/video* (V4L2).
Models: builtin:histogram|phash|stats|motion|scene, hf:HUB_ID_OR_DIR (CLIP), PATH.onnx.
Pipeline configs (framepipe run): docs/pipelines-config.md, examples/pipelines/.
Docs: docs/sampling.md, docs/sources.md, docs/models.md, docs/sinks.md, docs/errors.md
`;

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'probe') return await probeCommand(rest, out);
    if (command === 'frames') return await framesCommand(rest, out, err);
    if (command === 'extract') return await extractCommand(rest, out, err);
    if (command === 'search') return await searchCommand(rest, out);
    if (command === 'run') return await runCommand(rest, out, err);
    if (command === '--version' || command === '-v') {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      out.write(`${pkg.version}\n`);
      return 0;
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      out.write(HELP);
      return command === undefined ? 2 : 0;
    }
    err.write(`error ERR_INVALID_OPTIONS: unknown command "${command}".\n${HELP}`);
    return 2;
  } catch (e) {
    return report(e, err);
  }
}

function report(e: unknown, err: NodeJS.WritableStream): number {
  // parseArgs throws TypeErrors with codes like ERR_PARSE_ARGS_UNKNOWN_OPTION: those are usage errors too.
  const parseCode = (e as { code?: string }).code;
  if (!isFramepipeError(e) && typeof parseCode === 'string' && parseCode.startsWith('ERR_PARSE_ARGS')) {
    err.write(`error ERR_INVALID_OPTIONS: ${(e as Error).message}\n`);
    return 2;
  }
  const error = toFramepipeError(e);
  err.write(`error ${error.code}: ${error.message}\n`);
  return error.code === 'ERR_INVALID_OPTIONS' || error.code === 'ERR_INVALID_CONFIG' ? 2 : 1;
}
